-- A data migration: the cities the weather table mentions.
-- migrate:up
INSERT INTO cities (id, name, country) VALUES
  (1, 'San Francisco', 'USA'),
  (2, 'Hayward', 'USA'),
  (3, 'Kraków', 'Poland');

-- migrate:down
DELETE FROM cities WHERE id IN (1, 2, 3);
