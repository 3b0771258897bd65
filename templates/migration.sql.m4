m4_changecom()m4_dnl
m4_dnl Template of a new migration file, expanded by `migrator-gen new` with
m4_dnl `m4 -P -E`. Macros: MIGRATOR_GEN_VERSION, MIGRATOR_GEN_NAME.
-- Migration MIGRATOR_GEN_VERSION MIGRATOR_GEN_NAME
--
-- Statements end with ';'. Optional directives, before "-- migrate:up":
--   -- migrate:disable_ddl_transaction   (run outside a transaction)
--   -- migrate:disable_migration_lock
-- Without a "-- migrate:down" section the migration cannot be rolled back.

-- migrate:up


-- migrate:down

