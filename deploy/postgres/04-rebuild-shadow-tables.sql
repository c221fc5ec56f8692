-- For a first deployment or a rebuild (docs/deploying.md): empty copies of the three rollup
-- tables in a shadow schema, for the second job to fill. LIKE ... INCLUDING ALL copies columns,
-- the unique keys the job's upsert needs, and the indexes (not the foreign keys).
CREATE SCHEMA unstract_rebuild;
CREATE TABLE unstract_rebuild.event_metrics_hourly (LIKE unstract.event_metrics_hourly INCLUDING ALL);
CREATE TABLE unstract_rebuild.event_metrics_daily (LIKE unstract.event_metrics_daily INCLUDING ALL);
CREATE TABLE unstract_rebuild.event_metrics_monthly (LIKE unstract.event_metrics_monthly INCLUDING ALL);
-- The second job's dead letters (01-prerequisites.sql creates the live one).
CREATE TABLE unstract_rebuild.dashboard_metrics_dead_letter (LIKE unstract.dashboard_metrics_dead_letter INCLUDING ALL);
-- The second job's progress row; `promote` copies it to the live one with the rows.
CREATE TABLE unstract_rebuild.dashboard_metrics_progress (LIKE unstract.dashboard_metrics_progress INCLUDING ALL);
-- For `bootstrap --defer-indexes` (the rows written first, the indexes and keys built after them:
-- well under half the time), the rollup role must own the three rollup tables, since only an owner
-- may drop their indexes, and create in the schema, to build them again. Uncomment these four lines if you
-- use it; the role running this script must be a superuser or able to SET ROLE dashboard_metrics.
-- GRANT CREATE ON SCHEMA unstract_rebuild TO dashboard_metrics;
-- ALTER TABLE unstract_rebuild.event_metrics_hourly OWNER TO dashboard_metrics;
-- ALTER TABLE unstract_rebuild.event_metrics_daily OWNER TO dashboard_metrics;
-- ALTER TABLE unstract_rebuild.event_metrics_monthly OWNER TO dashboard_metrics;
GRANT USAGE ON SCHEMA unstract_rebuild TO dashboard_metrics;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA unstract_rebuild TO dashboard_metrics;
