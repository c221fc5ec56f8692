package io.github.dashboardmetrics.bootstrap;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Hands the records of a bounded job to the thread that runs it, in the same JVM: the bootstrap's
 * final rollup rows and dead letters, taken by the thread that writes them into PostgreSQL.
 *
 * <p>Flink's collect sink does the same across processes: each record is serialized into the
 * sink's buffer, sent over a socket to its coordinator (which reads it a few bytes per system
 * call), copied into an RPC response and deserialized by the client. At 2M source rows that was a
 * fifth of the bootstrap's CPU after the read, on the two cores its exports and PostgreSQL share.
 * The bootstrap's job always runs on a local mini cluster in its own JVM
 * ({@code createLocalEnvironment}), so its operators ({@link #operator}) find the queue by the
 * run's id and put each record in it, and a full queue holds them back as backpressure.
 *
 * @param <T> what the job hands over
 */
final class LocalHandoff<T> implements AutoCloseable {
    private static final Map<String, BlockingQueue<Object>> OPEN = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final BlockingQueue<Object> queue;

    /** @param capacity records the queue holds before the job's operators wait for the taker */
    LocalHandoff(int capacity) {
        queue = new ArrayBlockingQueue<>(capacity);
        OPEN.put(id, queue);
    }

    /** An operator that puts its input into this handoff; a job of this JVM only. */
    OneInputStreamOperator<T, Void> operator() {
        return new Put<>(id);
    }

    /** The next record, waiting at most {@code wait}; null if none came. */
    @SuppressWarnings("unchecked")
    T poll(Duration wait) throws InterruptedException {
        return (T) queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The next record if one is there, else null. */
    @SuppressWarnings("unchecked")
    T pollNow() {
        return (T) queue.poll();
    }

    @Override
    public void close() {
        OPEN.remove(id);
    }

    /** Puts each record into the handoff of its id; waits while the queue is full. */
    private static final class Put<T> extends AbstractStreamOperator<Void> implements OneInputStreamOperator<T, Void> {
        private static final long serialVersionUID = 1L;
        private final String id;
        private transient BlockingQueue<Object> queue;

        Put(String id) {
            this.id = id;
        }

        @Override
        public void open() throws Exception {
            super.open();
            queue = OPEN.get(id);
            if (queue == null) {
                throw new IllegalStateException("no handoff " + id + " in this JVM: the bootstrap's bounded job runs only on a"
                        + " local mini cluster in the JVM that started it");
            }
        }

        @Override
        public void processElement(StreamRecord<T> element) throws Exception {
            queue.put(element.getValue());
        }
    }
}
