/*
 * The migrating binary of one fixture repo of the PostgreSQL tests, as a
 * user's program would be: PG_REPO_HEADER and PG_REPO_TABLE (set by
 * CMakeLists.txt) name the generated header and table.
 *
 * SPDX-License-Identifier: MIT
 */
#include PG_REPO_HEADER

int main(int argc, char **argv)
{
    return migrator_main(argc, argv, &PG_REPO_TABLE);
}
