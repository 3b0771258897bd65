-- Cities, and forecasts that belong to a city (a foreign key).
-- migrate:up
CREATE TABLE cities (
  id      INTEGER PRIMARY KEY,
  name    VARCHAR(40) NOT NULL UNIQUE,
  country VARCHAR(40)
);
CREATE TABLE forecasts (
  id      INTEGER PRIMARY KEY,
  city_id INTEGER NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
  day     DATE NOT NULL,
  temp_hi INTEGER
);
CREATE INDEX forecasts_city_id_index ON forecasts (city_id);

-- migrate:down
DROP TABLE forecasts;
DROP TABLE cities;
