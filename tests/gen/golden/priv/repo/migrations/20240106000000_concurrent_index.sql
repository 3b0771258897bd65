-- migrate:disable_ddl_transaction
-- migrate:disable_migration_lock
-- Built outside a transaction and without the lock; there is no down
-- section, so this migration cannot be rolled back.

-- migrate:up
CREATE INDEX CONCURRENTLY weather_temp_index ON weather (temp_lo, temp_hi);
