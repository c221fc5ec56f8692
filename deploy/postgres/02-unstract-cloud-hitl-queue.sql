-- Unstract Cloud only: capture hitl_queue as well (the job captures it when the table exists).
GRANT SELECT ON unstract.hitl_queue TO dashboard_metrics;
ALTER PUBLICATION dashboard_metrics ADD TABLE unstract.hitl_queue;
