-- Database-side prerequisites of dashboard-metrics-flink, to be run by an administrator on
-- Unstract's database. Replace unstract (Unstract's DB_SCHEMA) and the password as needed.
-- wal_level = logical must be set in postgresql.conf (needs a restart); check with SHOW wal_level.

-- A least-privilege role for the job: it streams changes (REPLICATION), reads the captured
-- tables (the snapshot and the preflight checks) and writes only the three rollup tables, its
-- dead-letter table and its progress row.
CREATE ROLE dashboard_metrics WITH LOGIN REPLICATION PASSWORD 'change-me';
-- TEMPORARY: bootstrap stages its rollup rows in temporary tables (PUBLIC has it by default).
DO $$ BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO dashboard_metrics', current_database());
END $$;
GRANT USAGE ON SCHEMA unstract TO dashboard_metrics;
GRANT SELECT ON unstract.organization, unstract.workflow, unstract.pipeline, unstract.api_deployment,
    unstract.workflow_execution, unstract.workflow_file_execution, unstract.usage, unstract.page_usage
    TO dashboard_metrics;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON unstract.event_metrics_hourly, unstract.event_metrics_daily, unstract.event_metrics_monthly
    TO dashboard_metrics;

-- The dead-letter table: one row per change event the job refuses (docs/operations.md, "Dead
-- letters and bad input"). The job creates it itself when its role may create tables in the schema.
CREATE TABLE IF NOT EXISTS unstract.dashboard_metrics_dead_letter (
    event_key       text PRIMARY KEY,       -- sha-256 of position and payload: a replay is stored once
    detected_at     timestamptz NOT NULL,
    source_table    text,
    source_position text,                   -- lsn/txId of the event; Kafka topic/partition@offset
    reason          text NOT NULL,
    action          text NOT NULL,          -- 'dropped' or 'row retracted'
    payload         text NOT NULL           -- the message as received (NUL characters escaped)
);
GRANT SELECT, INSERT ON unstract.dashboard_metrics_dead_letter TO dashboard_metrics;

-- The progress ("data as of") row, committed by the job in the same transaction as the rollup
-- rows (docs/consistency.md). The job creates it itself when its role may create tables.
CREATE TABLE IF NOT EXISTS unstract.dashboard_metrics_progress (
    id                  smallint PRIMARY KEY CHECK (id = 1), -- one row
    source_lsn          pg_lsn,      -- WAL position the rollups reflect (newest change read)
    changes_reflected   bigint NOT NULL, -- change events read up to there (orders commits at one LSN)
    source_committed_at timestamptz, -- source commit time of the newest change reflected: "data as of"
    committed_at        timestamptz NOT NULL, -- when the job committed this state
    checkpoint_id       bigint NOT NULL, -- the job's checkpoint whose state this is
    source_offsets      jsonb -- --source kafka: newest offset read per partition, {"topic/partition": offset}
);
-- A table created before source_offsets existed:
ALTER TABLE unstract.dashboard_metrics_progress ADD COLUMN IF NOT EXISTS source_offsets jsonb;
GRANT SELECT, INSERT, UPDATE, DELETE ON unstract.dashboard_metrics_progress TO dashboard_metrics;

-- The job ends every commit of the rollup tables with a mark of its position in the WAL
-- (pg_logical_emit_message; docs/database.md). PUBLIC may execute it unless it was revoked:
GRANT EXECUTE ON FUNCTION pg_catalog.pg_logical_emit_message(boolean, text, text) TO dashboard_metrics;

-- The publication of exactly the captured tables (never the rollup tables: the job does not read
-- its own writes). Pass its name to `run --publication` (default dashboard_metrics).
CREATE PUBLICATION dashboard_metrics FOR TABLE
    unstract.organization, unstract.workflow, unstract.pipeline, unstract.api_deployment,
    unstract.workflow_execution, unstract.workflow_file_execution, unstract.usage, unstract.page_usage;

-- REPLICA IDENTITY: leave the default. The job keeps the last image of every row in its own
-- state and never relies on Debezium's before-image, so FULL would only add WAL volume.
