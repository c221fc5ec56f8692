-- When a job is retired for good: drop its slot, or PostgreSQL keeps WAL for it forever.
-- (A stopped job that will be resumed keeps its slot: it resumes where it stopped.)
SELECT pg_drop_replication_slot('dashboard_metrics')
WHERE EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'dashboard_metrics' AND NOT active);
