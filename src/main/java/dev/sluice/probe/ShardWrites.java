package dev.sluice.probe;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.Futures;
import dev.sluice.engine.Progress;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.SqlErrors;
import dev.sluice.io.ArrowStreams;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Shard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes probe-rows' shards on a thread of its own while the caller sorts and cuts the next rows: the cut
 * batches pass through a queue of bounded bytes into a DuckDB COPY of their shard, which
 * then commits the shard and, after the last shard of a bucket, the bucket. Cutting and writing took turns on
 * one thread before, and each of the two cores sat idle about a third of that time.
 *
 * <p>The caller hands over, in order: {@link #begin} a shard, its batches ({@link #add}), {@link #end}; after
 * a bucket's shards {@link #unitDone}; at last {@link #finish}, which waits for the writes and rethrows
 * their failure. The batches and their order are the caller's, so the files are the same bytes as when
 * one thread did both.
 */
final class ShardWrites implements AutoCloseable {
    /** One shard: where it goes, the measurements it must hold, and its columns. */
    record Job(int unit, int split, String rel, long expected, Schema schema) {
        /** The name the COPY reads the shard's batches under. */
        String streamName() {
            return "probe_stream_" + (2 * unit + split);
        }
    }

    private record End(long rows, long measurements) {}

    private record UnitDone(int unit, long measurements) {}

    private record Batch(ArrowRecordBatch rows, int kb) {}

    private static final Object FINISH = new Object();

    private final DuckSession duck;
    private final OutputDir out;
    private final BufferAllocator allocator;
    private final Progress progress;
    private final BiFunction<Job, Path, String> writeSql;
    /** Unbounded in items: what bounds it is {@code room}, the bytes of the batches in it. */
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** Kilobytes of batches the queue may still take (ProbeRowsJob#writerQueueBytes sizes it). */
    private final Semaphore room;
    private final int roomKb;
    private final ExecutorService thread;
    private final Future<Void> done;
    private volatile boolean aborted;
    private boolean finished;

    /** @param writeSql the COPY statement that writes a job's batches to the given temporary file */
    ShardWrites(DuckSession duck, OutputDir out, BufferAllocator allocator, long roomBytes, Progress progress,
                BiFunction<Job, Path, String> writeSql) {
        this.roomKb = (int) Math.clamp(roomBytes >> 10, 1, Integer.MAX_VALUE);
        this.room = new Semaphore(roomKb);
        this.duck = duck;
        this.out = out;
        this.allocator = allocator;
        this.progress = progress;
        this.writeSql = writeSql;
        this.thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("sluice-shard-writer").factory());
        this.done = thread.submit(this::write);
    }

    void begin(Job job) {
        queue.add(job);
    }

    /**
     * Hands over the rows now in {@code batch}; the caller may then refill it with fresh buffers. Waits while
     * the batches in the queue fill its room (one batch larger than the room passes alone).
     */
    void add(VectorSchemaRoot batch) {
        ArrowRecordBatch b = new VectorUnloader(batch).getRecordBatch();
        int kb = (int) Math.clamp(b.computeBodyLength() >> 10, 1, roomKb);
        try {
            waitForRoom(kb);
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        queue.add(new Batch(b, kb));
    }

    void end(long rows, long measurements) {
        queue.add(new End(rows, measurements));
    }

    void unitDone(int unit, long measurements) {
        queue.add(new UnitDone(unit, measurements));
    }

    /** Waits until every shard handed over is written and committed. */
    void finish() {
        queue.add(FINISH);
        Futures.get(done, "writing shards");
        finished = true;
    }

    @Override
    public void close() {
        if (!finished) {
            aborted = true;
            try {
                done.get();
            } catch (Exception e) {
                // the failure that matters is the caller's, already on its way
            }
        }
        thread.shutdown();
        for (Object item; (item = queue.poll()) != null; ) {
            if (item instanceof Batch b) {
                b.rows().close();
            }
        }
    }

    /** Waits until the queue has room for {@code kb}; if the writer has stopped meanwhile, rethrows its failure. */
    private void waitForRoom(int kb) {
        try {
            while (!room.tryAcquire(kb, 20, TimeUnit.MILLISECONDS)) {
                if (done.isDone()) {
                    Futures.get(done, "writing shards");
                    throw SluiceException.internal("the shard writer stopped early", null);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.internal("interrupted while handing rows to the shard writer", e);
        }
    }

    private Object take() throws IOException {
        try {
            while (true) {
                Object item = queue.poll(20, TimeUnit.MILLISECONDS);
                if (item != null) {
                    return item;
                }
                if (aborted) {
                    throw new IOException("stopped: the rows before this shard failed");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private Void write() throws IOException {
        List<Shard> shards = new ArrayList<>();
        long unitRows = 0;
        Job job = null;
        try (Connection copyConn = duck.connection()) {
            while (true) {
                Object item = take();
                if (item == FINISH) {
                    return null;
                }
                if (item instanceof UnitDone u) {
                    out.commitUnit(u.unit(), shards, Map.of("measurements", u.measurements(), "rows_out", unitRows));
                    progress.step(u.measurements());
                    shards = new ArrayList<>();
                    unitRows = 0;
                    continue;
                }
                job = (Job) item;
                Path target = out.path().resolve(job.rel());
                Files.createDirectories(target.getParent());
                QueueReader rows = new QueueReader(allocator, job.schema());
                ArrowStreams.executeOver(copyConn, job.streamName(), rows, allocator,
                        writeSql.apply(job, Shard.temporary(target)));
                if (rows.end == null || rows.end.measurements() != job.expected()) {
                    throw SluiceException.internal(String.format(Locale.ROOT,
                            "bucket %d (%s): %d measurements expected, %s written", job.unit(),
                            ProbeRowsJob.SPLITS.get(job.split()), job.expected(),
                            rows.end == null ? "not all" : Long.toString(rows.end.measurements())), null);
                }
                shards.add(Shard.commit(out.path(), job.rel(), rows.end.rows()));
                unitRows += rows.end.rows();
            }
        } catch (SQLException e) {
            if (aborted) {
                return null;
            }
            throw SqlErrors.wrap(e, job == null ? "writing shards" : String.format(Locale.ROOT,
                    "writing bucket %d (%s) to %s", job.unit(), ProbeRowsJob.SPLITS.get(job.split()), job.rel()));
        } catch (IOException e) {
            if (aborted) {
                return null;
            }
            throw SluiceException.cannotWrite(job == null ? out.path().toString()
                    : String.format(Locale.ROOT, "bucket %d (%s) under %s", job.unit(),
                    ProbeRowsJob.SPLITS.get(job.split()), out.path()), e);
        }
    }

    /** One shard's batches, read off the queue by DuckDB's COPY until the shard's end. */
    private final class QueueReader extends ArrowReader {
        private final Schema schema;
        private VectorLoader loader;
        End end;

        QueueReader(BufferAllocator allocator, Schema schema) {
            super(allocator);
            this.schema = schema;
        }

        @Override
        public boolean loadNextBatch() throws IOException {
            ensureInitialized();
            if (end != null) {
                return false;
            }
            Object item = take();
            if (item instanceof End e) {
                end = e;
                return false;
            }
            if (loader == null) {
                loader = new VectorLoader(getVectorSchemaRoot());
            }
            // Loading swaps in the batch's buffers; DuckDB keeps its own references to the last ones.
            Batch batch = (Batch) item;
            try (ArrowRecordBatch rows = batch.rows()) {
                loader.load(rows);
            } finally {
                room.release(batch.kb());
            }
            return true;
        }

        @Override
        protected Schema readSchema() {
            return schema;
        }

        @Override
        public long bytesRead() {
            return 0;
        }

        @Override
        protected void closeReadSource() {
            // the queue belongs to the writer
        }
    }
}
