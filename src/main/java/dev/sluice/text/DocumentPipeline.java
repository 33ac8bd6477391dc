package dev.sluice.text;

import dev.sluice.engine.SluiceException;
import dev.sluice.io.DocumentSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Reads documents on one thread, tokenizes (and hashes) them in chunks on the worker pool, and hands the
 * chunks back in input order. The queue of chunks in flight is bounded, so memory depends on the chunk
 * size and worker count, not on the input; the reader stops at the document cap, so no more is read.
 */
final class DocumentPipeline implements AutoCloseable {
    /** Documents per chunk, and characters: whichever comes first ends the chunk. */
    static final int CHUNK_DOCS = 256;
    static final long CHUNK_CHARS = 1L << 20;

    /**
     * One chunk, processed: the token ids of its documents one after the other, where each document's ids
     * end, and (with dedup) each document's content hash.
     */
    record Chunk(int[] ids, int[] ends, long[] hashes, long chars, double fraction, DocumentSource.Counts counts) {
        int documents() {
            return ends.length;
        }
    }

    private final ExecutorService workers;
    /** Each worker's encoder and its cache of segments. */
    private final ThreadLocal<SegmentEncoder> encoders;
    private final BlockingQueue<Future<Chunk>> queue;
    private final Thread reader;
    private volatile boolean stopped;

    DocumentPipeline(DocumentSource source, long maxDocs, Tokenizer tokenizer, boolean hash, int workerCount,
                     long sharedCacheBytes, long ownCacheBytes) {
        SegmentCache shared = new SegmentCache(sharedCacheBytes);
        encoders = ThreadLocal.withInitial(() -> tokenizer.segmentEncoder(shared, ownCacheBytes));
        workers = Executors.newFixedThreadPool(workerCount, Thread.ofPlatform().name("sluice-worker-", 0).factory());
        queue = new ArrayBlockingQueue<>(workerCount * 4);
        reader = Thread.ofPlatform().name("sluice-reader").start(() -> read(source, maxDocs, hash));
    }

    private void read(DocumentSource source, long maxDocs, boolean hash) {
        try {
            long read = 0;
            while (!stopped) {
                List<String> docs = new ArrayList<>();
                long chars = 0;
                String doc = null;
                while (docs.size() < CHUNK_DOCS && chars < CHUNK_CHARS && (maxDocs == 0 || read < maxDocs)
                        && (doc = source.next()) != null) {
                    docs.add(doc);
                    chars += doc.length();
                    read++;
                }
                if (!docs.isEmpty()) {
                    double fraction = source.fraction();
                    DocumentSource.Counts counts = source.counts();
                    long n = chars;
                    queue.put(workers.submit(() -> process(docs, n, fraction, counts, hash)));
                }
                if (docs.size() < CHUNK_DOCS && chars < CHUNK_CHARS) {
                    // The source is done or the cap is reached.
                    queue.put(CompletableFuture.completedFuture(new Chunk(new int[0], new int[0], new long[0], 0, 1,
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

    private Chunk process(List<String> docs, long chars, double fraction, DocumentSource.Counts counts,
                          boolean hash) {
        SegmentEncoder encoder = encoders.get();
        int[] ends = new int[docs.size()];
        long[] hashes = hash ? new long[docs.size()] : null;
        for (int i = 0; i < docs.size(); i++) {
            encoder.encode(docs.get(i));
            ends[i] = encoder.size();
            if (hash) {
                hashes[i] = ContentHash.of(docs.get(i));
            }
        }
        return new Chunk(encoder.take(), ends, hashes, chars, fraction, counts);
    }

    /** The next chunk in input order; a chunk with no documents marks the end (with the final counts). */
    Chunk next() {
        try {
            return queue.take().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.internal("interrupted while reading documents", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof OutOfMemoryError oom) {
                throw oom;
            }
            throw SluiceException.internal("reading documents failed: " + e.getCause(), e.getCause());
        }
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
