package io.github.dashboardmetrics.bench;

import io.github.dashboardmetrics.config.DatabaseTarget;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Writes Unstract-like changes on top of the benchmark dataset, as many as asked per transaction:
 * executions started and completed, file executions created PENDING and moved to EXECUTING then
 * COMPLETED / ERROR / STOPPED, LLM and embedding usage rows, page_usage rows of finished files,
 * HITL reviews created and approved, and a few late corrections (a usage cost rewritten) and
 * deletes. Each change is one row inserted, updated or deleted; the statements of one
 * transaction are sent as JDBC batches. Not thread-safe.
 */
final class ChangeWorkload implements AutoCloseable {
    private enum Op { EXECUTION, EXECUTION_DONE, FILE, FILE_ADVANCE, USAGE, USAGE_FIX, USAGE_DELETE, PAGES, REVIEW, APPROVE }

    /** Per 100 changes: how often each kind of change is drawn. */
    private static final int[] WEIGHTS = {7, 5, 14, 24, 30, 3, 2, 12, 2, 1};
    private static final int RING = 20_000;

    private record Execution(UUID id, UUID workflow, long org) {}

    private record File(UUID id, Execution execution, String status) {}

    private final Connection connection;
    private final Random random;
    private final int organizations;
    private final long probeOrg;
    private final PreparedStatement insertExecution;
    private final PreparedStatement finishExecution;
    private final PreparedStatement insertFile;
    private final PreparedStatement advanceFile;
    private final PreparedStatement insertUsage;
    private final PreparedStatement fixUsage;
    private final PreparedStatement deleteUsage;
    private final PreparedStatement insertPages;
    private final PreparedStatement insertReview;
    private final PreparedStatement approveReview;
    private final List<PreparedStatement> inOrder;
    private final List<Execution> executions = new ArrayList<>();
    private final ArrayDeque<File> running = new ArrayDeque<>();
    private final List<File> finished = new ArrayList<>();
    private final List<UUID> usages = new ArrayList<>();
    private final List<UUID> reviews = new ArrayList<>();
    private long changes;

    ChangeWorkload(DatabaseTarget target, int organizations, long seed) throws SQLException {
        this.connection = target.connect();
        this.connection.setAutoCommit(false);
        this.random = new Random(seed);
        this.organizations = organizations;
        this.probeOrg = BenchIds.probeOrganization(organizations);
        String s = "\"" + DatabaseTarget.requireIdentifier(target.schema(), "schema") + "\".";
        insertExecution = connection.prepareStatement("INSERT INTO " + s + "workflow_execution (created_at, modified_at,"
                + " id, pipeline_id, workflow_id, execution_mode, execution_method, execution_type, execution_log_id,"
                + " status, error_message, attempts, execution_time, result_acknowledged, total_files)"
                + " VALUES (?, ?, ?, ?, ?, 'QUEUE', 'DIRECT', 'COMPLETE', '', 'EXECUTING', '', 1, 0, false, 2)");
        finishExecution = connection.prepareStatement("UPDATE " + s + "workflow_execution SET status = ?, modified_at = ? WHERE id = ?");
        insertFile = connection.prepareStatement("INSERT INTO " + s + "workflow_file_execution (created_at, modified_at, id,"
                + " file_name, file_path, file_hash, status, workflow_execution_id) VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?)");
        advanceFile = connection.prepareStatement("UPDATE " + s + "workflow_file_execution SET status = ?, modified_at = ? WHERE id = ?");
        insertUsage = connection.prepareStatement("INSERT INTO " + s + "usage (created_at, modified_at, id, workflow_id,"
                + " execution_id, adapter_instance_id, run_id, usage_type, llm_usage_reason, model_name, embedding_tokens,"
                + " prompt_tokens, completion_tokens, total_tokens, cost_in_dollars, organization_id, status)"
                + " VALUES (?, ?, ?, ?, ?, 'adapter-bench', ?, ?, ?, 'gpt-4o', 0, 1000, 200, 1200, ?, ?, 'SUCCESS')");
        fixUsage = connection.prepareStatement("UPDATE " + s + "usage SET cost_in_dollars = ?, modified_at = ? WHERE id = ?");
        deleteUsage = connection.prepareStatement("DELETE FROM " + s + "usage WHERE id = ?");
        insertPages = connection.prepareStatement("INSERT INTO " + s + "page_usage (id, organization_id, file_name,"
                + " file_type, run_id, pages_processed, file_size, created_at) VALUES (?, ?, 'document.pdf', 'application/pdf', ?, ?, 100000, ?)");
        insertReview = connection.prepareStatement("INSERT INTO " + s + "hitl_queue (created_at, modified_at, id,"
                + " organization_id, state, approved_at, reviewer_id, execution_id) VALUES (?, ?, ?, ?, 'pending', NULL, '1', ?)");
        approveReview = connection.prepareStatement("UPDATE " + s + "hitl_queue SET state = 'approved', approved_at = ?, modified_at = ? WHERE id = ?");
        // Parents before children, updates after the inserts they may touch, deletes last.
        inOrder = List.of(insertExecution, insertFile, advanceFile, finishExecution, insertUsage, fixUsage, insertPages,
                insertReview, approveReview, deleteUsage);
    }

    /** Row changes committed so far. */
    long changes() {
        return changes;
    }

    /**
     * Writes {@code count} changes (plus one probe row when {@code probe}) in one transaction.
     *
     * @param beforeCommit called right before the commit (the probe's commit time is taken there)
     * @return the row changes committed
     */
    int transaction(int count, boolean probe, Runnable beforeCommit) throws SQLException {
        Timestamp now = Timestamp.from(Instant.now());
        for (int i = 0; i < count; i++) {
            add(draw(), now);
        }
        if (probe) {
            usage(null, probeOrg, "llm", "extraction", 0.001, now);
        }
        int written = 0;
        for (PreparedStatement statement : inOrder) {
            for (int rows : statement.executeBatch()) {
                written += Math.max(rows, 0);
            }
        }
        beforeCommit.run();
        connection.commit();
        changes += written;
        return written;
    }

    private Op draw() {
        int pick = random.nextInt(100);
        Op[] ops = Op.values();
        for (int i = 0; i < ops.length; i++) {
            pick -= WEIGHTS[i];
            if (pick < 0) {
                return ops[i];
            }
        }
        return Op.USAGE;
    }

    private void add(Op op, Timestamp now) throws SQLException {
        switch (op) {
            case EXECUTION -> execution(now);
            case EXECUTION_DONE -> {
                Execution e = executions.isEmpty() ? execution(now) : pick(executions);
                finishExecution.setString(1, random.nextDouble() < 0.9 ? "COMPLETED" : "ERROR");
                finishExecution.setTimestamp(2, now);
                finishExecution.setObject(3, e.id());
                finishExecution.addBatch();
            }
            case FILE -> file(now);
            case FILE_ADVANCE -> {
                File f = running.pollFirst();
                if (f == null) {
                    file(now);
                    return;
                }
                String next;
                if (f.status().equals("PENDING")) {
                    next = "EXECUTING";
                    running.addLast(new File(f.id(), f.execution(), next));
                } else {
                    double r = random.nextDouble();
                    next = r < 0.87 ? "COMPLETED" : r < 0.97 ? "ERROR" : "STOPPED";
                    remember(finished, new File(f.id(), f.execution(), next));
                }
                advanceFile.setString(1, next);
                advanceFile.setTimestamp(2, now);
                advanceFile.setObject(3, f.id());
                advanceFile.addBatch();
            }
            case USAGE -> {
                double r = random.nextDouble();
                File f = finished.isEmpty() ? null : pick(finished);
                long org = f != null ? f.execution().org() : 1 + random.nextInt(organizations);
                usage(f, org, r < 0.1 ? "embedding" : "llm",
                        r < 0.1 ? null : r < 0.6 ? "extraction" : r < 0.75 ? "challenge" : r < 0.85 ? "summarize" : r < 0.9 ? "" : null,
                        Math.round(random.nextDouble() * 50_000) / 1e6, now);
            }
            case USAGE_FIX -> {
                if (usages.isEmpty()) {
                    add(Op.USAGE, now);
                    return;
                }
                fixUsage.setDouble(1, Math.round(random.nextDouble() * 50_000) / 1e6);
                fixUsage.setTimestamp(2, now);
                fixUsage.setObject(3, pick(usages));
                fixUsage.addBatch();
            }
            case USAGE_DELETE -> {
                if (usages.isEmpty()) {
                    add(Op.USAGE, now);
                    return;
                }
                int i = random.nextInt(usages.size());
                deleteUsage.setObject(1, usages.get(i));
                usages.set(i, usages.get(usages.size() - 1));
                usages.remove(usages.size() - 1);
                deleteUsage.addBatch();
            }
            case PAGES -> {
                if (finished.isEmpty()) {
                    file(now);
                    return;
                }
                File f = pick(finished);
                insertPages.setObject(1, UUID.randomUUID());
                insertPages.setString(2, BenchIds.organizationString(f.execution().org()));
                insertPages.setString(3, f.id().toString());
                insertPages.setInt(4, 1 + random.nextInt(20));
                insertPages.setTimestamp(5, now);
                insertPages.addBatch();
            }
            case REVIEW -> {
                Execution e = executions.isEmpty() ? execution(now) : pick(executions);
                UUID id = UUID.randomUUID();
                insertReview.setTimestamp(1, now);
                insertReview.setTimestamp(2, now);
                insertReview.setObject(3, id);
                insertReview.setLong(4, e.org());
                insertReview.setObject(5, e.id());
                insertReview.addBatch();
                remember(reviews, id);
            }
            case APPROVE -> {
                if (reviews.isEmpty()) {
                    add(Op.REVIEW, now);
                    return;
                }
                int i = random.nextInt(reviews.size());
                approveReview.setTimestamp(1, now);
                approveReview.setTimestamp(2, now);
                approveReview.setObject(3, reviews.get(i));
                reviews.set(i, reviews.get(reviews.size() - 1));
                reviews.remove(reviews.size() - 1);
                approveReview.addBatch();
            }
            default -> throw new AssertionError(op);
        }
    }

    private Execution execution(Timestamp now) throws SQLException {
        long workflow = 1 + (long) (Math.pow(random.nextDouble(), 1.5) * BenchIds.WORKFLOWS_PER_ORG * organizations);
        long org = BenchIds.organizationOfWorkflow(workflow);
        double r = random.nextDouble();
        UUID pipeline = r < 0.35 ? BenchIds.pipeline(org, random.nextInt(BenchIds.PIPELINES_PER_ORG))
                : r < 0.5 ? BenchIds.apiDeployment(org, random.nextInt(BenchIds.APIS_PER_ORG)) : null;
        Execution e = new Execution(UUID.randomUUID(), BenchIds.workflow(workflow), org);
        insertExecution.setTimestamp(1, now);
        insertExecution.setTimestamp(2, now);
        insertExecution.setObject(3, e.id());
        insertExecution.setObject(4, pipeline);
        insertExecution.setObject(5, e.workflow());
        insertExecution.addBatch();
        remember(executions, e);
        return e;
    }

    private void file(Timestamp now) throws SQLException {
        Execution e = executions.isEmpty() ? execution(now) : executions.get(executions.size() - 1 - random.nextInt(
                Math.min(executions.size(), 50)));
        File f = new File(UUID.randomUUID(), e, "PENDING");
        insertFile.setTimestamp(1, now);
        insertFile.setTimestamp(2, now);
        insertFile.setObject(3, f.id());
        insertFile.setString(4, "document.pdf");
        insertFile.setString(5, "/input/" + f.id());
        insertFile.setString(6, f.id().toString().replace("-", ""));
        insertFile.setObject(7, e.id());
        insertFile.addBatch();
        if (running.size() < RING) {
            running.addLast(f);
        }
    }

    private void usage(File f, long org, String type, String reason, double cost, Timestamp now) throws SQLException {
        UUID id = UUID.randomUUID();
        insertUsage.setTimestamp(1, now);
        insertUsage.setTimestamp(2, now);
        insertUsage.setObject(3, id);
        insertUsage.setString(4, f == null ? null : f.execution().workflow().toString());
        insertUsage.setString(5, f == null ? null : f.execution().id().toString());
        insertUsage.setObject(6, f == null ? null : f.id());
        insertUsage.setString(7, type);
        insertUsage.setString(8, reason);
        insertUsage.setDouble(9, cost);
        insertUsage.setLong(10, org);
        insertUsage.addBatch();
        if (org != probeOrg) {
            remember(usages, id);
        }
    }

    private <T> T pick(List<T> list) {
        return list.get(random.nextInt(list.size()));
    }

    /** Keeps a bounded sample: past the bound, a new item replaces a random old one. */
    private <T> void remember(List<T> list, T item) {
        if (list.size() < RING) {
            list.add(item);
        } else {
            list.set(random.nextInt(RING), item);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
