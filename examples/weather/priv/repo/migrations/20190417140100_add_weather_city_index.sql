-- migrate:up
CREATE INDEX weather_city_index ON weather (city);

-- migrate:down
DROP INDEX weather_city_index;
