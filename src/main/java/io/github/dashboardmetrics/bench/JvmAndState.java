package io.github.dashboardmetrics.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.github.dashboardmetrics.config.DatabaseTarget;
import io.github.dashboardmetrics.util.DaemonThreads;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Resource readings: the bench JVM's heap (the job runs in it, on a local mini cluster), sampled
 * every second for its peak, and after every garbage collection for the peak of what survives
 * one; the peak resident set size of the process; rows written to the rollup tables from
 * PostgreSQL's table statistics; and the load average.
 */
final class JvmAndState implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final ScheduledExecutorService sampler = DaemonThreads.scheduled("bench-heap-sampler");
    private volatile long peakHeapBytes;
    private volatile long peakHeapAfterGcBytes;
    private volatile double sampledPeakRssMb;
    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final NotificationListener afterGc = (notification, handback) -> {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
                    .filter(pool -> heapPools.contains(pool.getKey())).mapToLong(pool -> pool.getValue().getUsed()).sum();
            peakHeapAfterGcBytes = Math.max(peakHeapAfterGcBytes, used);
        }
    };

    JvmAndState() {
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(afterGc, null, null);
            }
        }
        sampler.scheduleAtFixedRate(() -> {
            peakHeapBytes = Math.max(peakHeapBytes, memory.getHeapMemoryUsage().getUsed());
            double rss = procStatusMb(Path.of("/proc/self/status"), "VmRSS:");
            if (!Double.isNaN(rss)) {
                sampledPeakRssMb = Math.max(sampledPeakRssMb, rss);
            }
        }, 0, 1, TimeUnit.SECONDS);
    }

    double peakHeapMb() {
        return peakHeapBytes / 1048576.0;
    }

    /**
     * The most heap any garbage collection since the last {@link #resetPeaks} left in use, MB: what
     * a phase needed to hold, where {@link #peakHeapMb} also counts garbage not collected yet (the
     * heap fills up to its maximum before G1 collects). An upper bound: a young collection leaves
     * the old generation's garbage in place.
     */
    double peakHeapAfterGcMb() {
        return peakHeapAfterGcBytes / 1048576.0;
    }

    /**
     * The largest resident set size sampled (each second) since the last {@link #resetPeaks}, MB:
     * the peak of one phase, where {@link #peakRssMb} is the whole process's.
     */
    double sampledPeakRssMb() {
        return sampledPeakRssMb;
    }

    /** Heap in use right after a full collection: what the JVM really holds. */
    double heapAfterGcMb() {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed() / 1048576.0;
    }

    /** Rows inserted, updated and deleted in the three rollup tables so far (PostgreSQL's statistics). */
    static long rollupRowsWritten(DatabaseTarget rollup) throws SQLException {
        try (Connection c = rollup.connect()) {
            c.createStatement().execute("SELECT pg_stat_clear_snapshot()");
            try (ResultSet rs = c.createStatement().executeQuery("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                    + " FROM pg_stat_user_tables WHERE schemaname = '" + rollup.schema() + "' AND relname IN"
                    + " ('event_metrics_hourly', 'event_metrics_daily', 'event_metrics_monthly')")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Peak resident set size of this JVM so far (VmHWM: heap, RocksDB's native memory, everything), MB; NaN off Linux. */
    static double peakRssMb() {
        return procStatusMb(Path.of("/proc/self/status"), "VmHWM:");
    }

    /** A "VmXXX:   1234 kB" line of a /proc/PID/status file, in MB; NaN when it cannot be read. */
    static double procStatusMb(Path status, String field) {
        try {
            for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) / 1024.0;
                }
            }
        } catch (Exception e) {
            // not Linux, or the process is gone
        }
        return Double.NaN;
    }

    /** Resets the peak heap and sampled RSS readings (one phase after another in the same JVM). */
    void resetPeaks() {
        peakHeapBytes = 0;
        peakHeapAfterGcBytes = 0;
        sampledPeakRssMb = 0;
    }

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg (what uptime prints), or the JVM's 1-minute one. */
    static double[] loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
        } catch (Exception e) {
            double one = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return new double[] {one, Double.NaN, Double.NaN};
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                try {
                    emitter.removeNotificationListener(afterGc);
                } catch (ListenerNotFoundException ignored) {
                    // not registered on this one
                }
            }
        }
    }
}
