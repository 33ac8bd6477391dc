package dev.sluice.text;

import dev.sluice.engine.Futures;
import dev.sluice.engine.SluiceException;
import dev.sluice.io.DocumentSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;

/**
 * Reads documents on one thread, tokenizes (and hashes) them in chunks on the worker pool, and hands the
 * chunks back in input order. The queue of chunks in flight is bounded, so memory depends on the chunk
 * size and worker count, not on the input; the reader stops at the document cap, so no more is read.
 *
 * <p>Chunks never span a work unit (documents [u * unitDocs, (u + 1) * unitDocs)). The documents of a unit
 * that {@code produce} declines (another shard task's, or one already committed) are only hashed, for the dedup
 * bookkeeping, never tokenized: that is what makes shard tasks and a resumed run cheaper than the whole input.
 */
final class DocumentPipeline implements AutoCloseable {
    /** Documents per chunk, and characters: whichever comes first ends the chunk. */
    static final int CHUNK_DOCS = 256;
    static final long CHUNK_CHARS = 1L << 20;

    /**
     * One chunk of unit {@code unit}, processed: when {@code tokenized}, the token ids of its documents one
     * after the other and where each document's ids end; with dedup each document's content hash. {@code counts}
     * are the source's counters right after the chunk's last document. A chunk of no documents marks the end.
     */
    record Chunk(int unit, int documents, boolean tokenized, int[] ids, int[] ends, long[] hashes, long chars,
                 double fraction, DocumentSource.Counts counts) {}

    private final ExecutorService workers;
    /** Each worker's encoder and its cache of segments. */
    private final ThreadLocal<SegmentEncoder> encoders;
    private final BlockingQueue<Future<Chunk>> queue;
    private final Thread reader;
    private volatile boolean stopped;

    DocumentPipeline(DocumentSource source, long maxDocs, int unitDocs, IntPredicate produce, Tokenizer tokenizer,
                     boolean hash, int workerCount, long sharedCacheBytes, long ownCacheBytes) {
        SegmentCache shared = new SegmentCache(sharedCacheBytes);
        encoders = ThreadLocal.withInitial(() -> tokenizer.segmentEncoder(shared, ownCacheBytes));
        workers = Executors.newFixedThreadPool(workerCount, Thread.ofPlatform().name("sluice-worker-", 0).factory());
        queue = new ArrayBlockingQueue<>(workerCount * 4);
        reader = Thread.ofPlatform().name("sluice-reader").start(
                () -> read(source, maxDocs, unitDocs, produce, hash));
    }

    private void read(DocumentSource source, long maxDocs, int unitDocs, IntPredicate produce, boolean hash) {
        try {
            long read = 0;
            int unit = -1;
            boolean tokenize = false;
            while (!stopped) {
                if (read / unitDocs != unit) {
                    // Decided once per unit, as it starts.
                    unit = (int) (read / unitDocs);
                    tokenize = produce.test(unit);
                }
                long unitEnd = (unit + 1L) * unitDocs;
                List<String> docs = new ArrayList<>();
                long chars = 0;
                String doc = null;
                boolean more = true;
                while (docs.size() < CHUNK_DOCS && chars < CHUNK_CHARS && read < unitEnd
                        && (more = (maxDocs == 0 || read < maxDocs) && (doc = source.next()) != null)) {
                    docs.add(doc);
                    chars += doc.length();
                    read++;
                }
                if (!docs.isEmpty()) {
                    double fraction = source.fraction();
                    DocumentSource.Counts counts = source.counts();
                    long n = chars;
                    int u = unit;
                    boolean t = tokenize;
                    queue.put(workers.submit(() -> process(u, docs, t, n, fraction, counts, hash)));
                }
                if (!more) {
                    // The source is done or the cap is reached.
                    queue.put(CompletableFuture.completedFuture(new Chunk(unit, 0, false, null, null, null, 0, 1,
                            source.counts())));
                    return;
                }
            }
        } catch (InterruptedException e) {
            // close() stops the reader.
        } catch (RuntimeException | Error e) {
            try {
                queue.put(CompletableFuture.failedFuture(e));
            } catch (InterruptedException ie) {
                // close() stops the reader.
            }
        }
    }

    private Chunk process(int unit, List<String> docs, boolean tokenize, long chars, double fraction,
                          DocumentSource.Counts counts, boolean hash) {
        long[] hashes = hash ? new long[docs.size()] : null;
        int[] ends = tokenize ? new int[docs.size()] : null;
        SegmentEncoder encoder = tokenize ? encoders.get() : null;
        for (int i = 0; i < docs.size(); i++) {
            if (tokenize) {
                encoder.encode(docs.get(i));
                ends[i] = encoder.size();
            }
            if (hash) {
                hashes[i] = ContentHash.of(docs.get(i));
            }
        }
        return new Chunk(unit, docs.size(), tokenize, tokenize ? encoder.take() : null, ends, hashes, chars, fraction,
                counts);
    }

    /** The next chunk in input order; a chunk with no documents marks the end (with the final counts). */
    Chunk next() {
        Future<Chunk> f;
        try {
            f = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.internal("interrupted while reading documents", e);
        }
        return Futures.get(f, "reading documents");
    }

    @Override
    public void close() {
        stopped = true;
        reader.interrupt();
        queue.clear();
        workers.shutdownNow();
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
