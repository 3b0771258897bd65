-- The weather table of Ecto's getting-started guide.
-- migrate:up
CREATE TABLE weather (
  id      INTEGER PRIMARY KEY,
  city    VARCHAR(40),
  temp_lo INTEGER,
  temp_hi INTEGER,
  prcp    REAL
);

-- migrate:down
DROP TABLE weather;
