-- migrate:up
CREATE FUNCTION add_one(i integer) RETURNS integer AS $$
BEGIN
  RETURN i + 1; -- not the end of the statement
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION greeting() RETURNS text AS $body$ SELECT 'a $$; b'; $body$ LANGUAGE sql;
CREATE FUNCTION two() RETURNS integer
LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
  SELECT 2;
END;

-- migrate:down
DROP FUNCTION two();
DROP FUNCTION greeting();
DROP FUNCTION add_one(integer);
