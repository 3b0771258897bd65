-- migrate:up
CREATE TABLE audit (id INTEGER PRIMARY KEY, city TEXT, at TEXT);
CREATE TRIGGER weather_audit AFTER INSERT ON weather
FOR EACH ROW
BEGIN
  INSERT INTO audit (city, at) VALUES (NEW.city, datetime('now'));
  UPDATE audit SET at = 'x;y' WHERE id = last_insert_rowid();
END;

-- migrate:down
DROP TRIGGER weather_audit;
DROP TABLE audit;
