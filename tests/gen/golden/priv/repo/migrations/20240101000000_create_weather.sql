-- Weather readings: the first migration.
/* A block comment /* with a nested one */ before the first section;
   the semicolons in comments never end a statement. */

-- migrate:up
CREATE TABLE weather (
  id INTEGER PRIMARY KEY, -- the key; not the end
  city VARCHAR(40) NOT NULL, /* block; comment */
  temp_lo INTEGER,
  temp_hi INTEGER
);

    CREATE INDEX weather_city_index ON weather (city);   -- indented, with a trailing comment

-- migrate:down
DROP INDEX weather_city_index;
DROP TABLE weather
