package io.github.dashboardmetrics.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.dashboardmetrics.change.RowKind;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.demo.EmbeddedDatabase;
import io.github.dashboardmetrics.demo.WorkloadGenerator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bootstrap} says how far its read has come while it reads ({@code --progress-every-s}),
 * and how many rows it read in all: exactly the rows of the captured tables, on a database
 * nothing writes to meanwhile.
 */
class BootstrapProgressIT {
    private static final Pattern READ_LINE = Pattern.compile("^ +([\\d,]+) rows read, (\\d+) of (\\d+) key ranges");

    @Test
    void theReadReportsItsProgressAndItsTotal(@TempDir Path dir) throws Exception {
        long seed = Exactness.seed("BootstrapProgressIT");
        try (EmbeddedDatabase db = EmbeddedDatabase.start()) {
            db.createUnstractSchema("unstract", true);
            DatabaseTarget target = db.target("unstract");
            try (WorkloadGenerator workload = new WorkloadGenerator(target, seed,
                    WorkloadGenerator.Options.defaults().withOrganizations(5).withHitlQueue(true))) {
                workload.setUp();
                workload.run(5_000);
            }
            long rows = rowsOfTheCapturedTables(target);

            JobProcess bootstrap = JobProcess.start(JobProcess.Command.of("bootstrap", List.of("--db-url", db.jdbcUrl(),
                    "--db-user", db.user(), "--savepoint-dir", dir.resolve("savepoints").toString(), "--progress-every-s", "1")),
                    dir.resolve("bootstrap.log"));
            assertThat(bootstrap.awaitExit(Duration.ofSeconds(300))).as(bootstrap.log()).isZero();
            List<String> lines = bootstrap.log().lines().toList();

            assertThat(lines).as("the total, after the savepoint: every row of the captured tables once")
                    .anyMatch(l -> l.contains("savepoint ") && l.contains("; " + rows + " rows read, "));
            long lastRows = 0;
            long lastRanges = 0;
            int reports = 0;
            for (String line : lines) {
                Matcher m = READ_LINE.matcher(line);
                if (!m.find()) {
                    continue;
                }
                reports++;
                System.out.println(line);
                long read = Long.parseLong(m.group(1).replace(",", ""));
                long ranges = Long.parseLong(m.group(2));
                assertThat(read).as(line).isBetween(lastRows, rows);
                assertThat(ranges).as(line).isBetween(lastRanges, Long.parseLong(m.group(3)));
                lastRows = read;
                lastRanges = ranges;
            }
            System.out.println(rows + " rows; " + reports + " progress lines, the last: " + lastRows + " rows read");
            assertThat(reports).as("progress lines while the tables were read").isPositive();
        }
    }

    private static long rowsOfTheCapturedTables(DatabaseTarget target) throws Exception {
        long rows = 0;
        for (RowKind kind : RowKind.values()) {
            rows += Sql.longValue(target, "SELECT count(*) FROM unstract." + kind.tableName());
        }
        return rows;
    }
}
