/*
 * The weather example: a program that carries its schema history. On
 * start-up it applies its pending migrations to its SQLite database, then
 * records an observation and reads the rows back. Run as
 * `weather migrate|rollback|migrations ...` it is its own migration tool.
 *
 *   weather                    migrate, insert a row, print the table
 *   weather migrations         the status of every migration
 *   weather rollback --step 2  ... (see `weather --help`)
 *
 * The database is $DATABASE_URL, default sqlite:weather.db.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repo_migrations.h"

#define DEFAULT_URL "sqlite:weather.db"

static int print_row(void *unused, int columns, char **values, char **names)
{
    int i;
    (void)unused;
    for (i = 0; i < columns; i++)
        printf("%s%s=%s", i ? "  " : "  ", names[i], values[i] ? values[i] : "NULL");
    printf("\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *url = getenv("DATABASE_URL");
    sqlite3 *db;
    char *error = NULL;
    int status;

    if (!url || !*url)
        url = DEFAULT_URL;
    if (argc > 1) {
        /* The migrating command line of this binary. */
        migrator_main_config config = MIGRATOR_MAIN_CONFIG_INIT;
        config.default_url = DEFAULT_URL;
        return migrator_main_with(argc, argv, &repo_migrations, &config);
    }

    status = migrator_migrate_on_startup(url, NULL, &repo_migrations, NULL);
    if (status < 0)
        return 1; /* the error has been logged */
    if (strncmp(url, "sqlite:", 7) != 0 || sqlite3_open(url + 7, &db) != SQLITE_OK) {
        fprintf(stderr, "weather: cannot open %s\n", url);
        return 1;
    }
    if (sqlite3_exec(db,
                     "INSERT INTO weather (city, temp_lo, temp_hi, prcp) "
                     "VALUES ('Kraków', 2, 9, 0.25);"
                     "SELECT w.id, w.city, w.temp_lo, w.temp_hi, c.country FROM weather w "
                     "LEFT JOIN cities c ON c.name = w.city ORDER BY w.id DESC LIMIT 3;",
                     print_row, NULL, &error) != SQLITE_OK) {
        fprintf(stderr, "weather: %s\n", error);
        sqlite3_free(error);
        sqlite3_close(db);
        return 1;
    }
    sqlite3_close(db);
    return 0;
}
