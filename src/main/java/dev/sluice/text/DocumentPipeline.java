package dev.sluice.text;

import dev.sluice.engine.Futures;
import dev.sluice.engine.SluiceException;
import dev.sluice.io.DocumentSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * that {@code produce} declines (one already committed) are only hashed, for the dedup bookkeeping, never
 * tokenized. Given the units to read from a {@link DocumentIndex} instead, the reader goes to each unit's start
 * and reads its documents only: that is how a shard task reads only its own part of the input.
 */
final class DocumentPipeline implements AutoCloseable {
    /** Documents per chunk, and characters: whichever comes first ends the chunk. */
    static final int CHUNK_DOCS = 256;
    static final long CHUNK_CHARS = 1L << 20;

    /**
     * One chunk of unit {@code unit}, from its document {@code firstInUnit} on, processed: when {@code tokenized},
     * the token ids of its documents one after the other and where each document's ids end; with dedup each
     * document's content hash. {@code start} is where the source stood before the chunk (when asked for);
     * {@code counts} are the source's counters right after the chunk's last document. A chunk of no documents
     * marks the end.
     */
    record Chunk(int unit, int firstInUnit, int documents, boolean tokenized, int[] ids, int[] ends, long[] hashes,
                 long chars, double fraction, DocumentSource.Counts counts, DocumentSource.Position start) {}

    /** What the reader does: which documents it reads, and what the workers do with them. */
    record Reading(long maxDocs, int unitDocs, IntPredicate produce, List<DocumentIndex.Unit> units, boolean hash,
                   boolean positions) {
        /** The input from its start, up to {@code maxDocs} (0: all), tokenizing the units {@code produce} accepts. */
        static Reading sequential(long maxDocs, int unitDocs, IntPredicate produce, boolean hash) {
            return new Reading(maxDocs, unitDocs, produce, null, hash, false);
        }

        /** The input from its start, only hashed, with each chunk's start position: for the index. */
        static Reading indexing(long maxDocs, int unitDocs, boolean hash) {
            return new Reading(maxDocs, unitDocs, u -> false, null, hash, true);
        }

        /** Only the given units, each from its start, tokenized. */
        static Reading units(List<DocumentIndex.Unit> units) {
            return new Reading(0, 0, u -> true, units, false, false);
        }
    }

    private final ExecutorService workers;
    /** Each worker's encoder and its cache of segments. */
    private final ThreadLocal<SegmentEncoder> encoders;
    private final BlockingQueue<Future<Chunk>> queue;
    private final Thread reader;
    private volatile boolean stopped;

    DocumentPipeline(DocumentSource source, Reading reading, Tokenizer tokenizer, int workerCount,
                     long sharedCacheBytes, long ownCacheBytes) {
        SegmentCache shared = new SegmentCache(sharedCacheBytes);
        encoders = ThreadLocal.withInitial(() -> tokenizer.segmentEncoder(shared, ownCacheBytes));
        workers = Executors.newFixedThreadPool(workerCount, Thread.ofPlatform().name("sluice-worker-", 0).factory());
        queue = new ArrayBlockingQueue<>(workerCount * 4);
        reader = Thread.ofPlatform().name("sluice-reader").start(() -> read(source, reading));
    }

    private void read(DocumentSource source, Reading reading) {
        try {
            if (reading.units() != null) {
                readUnits(source, reading.units());
            } else {
                readSequentially(source, reading);
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

    private void readSequentially(DocumentSource source, Reading reading) throws InterruptedException {
        long maxDocs = reading.maxDocs();
        int unitDocs = reading.unitDocs();
        long read = 0;
        int unit = -1;
        boolean tokenize = false;
        while (!stopped) {
            if (read / unitDocs != unit) {
                // Decided once per unit, as it starts.
                unit = (int) (read / unitDocs);
                tokenize = reading.produce().test(unit);
            }
            long unitEnd = (unit + 1L) * unitDocs;
            int firstInUnit = (int) (read - (long) unit * unitDocs);
            DocumentSource.Position start = reading.positions() ? source.position() : null;
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
                submit(new Chunk(unit, firstInUnit, docs.size(), tokenize, null, null, null, chars, source.fraction(),
                        source.counts(), start), docs, reading.hash());
            }
            if (!more) {
                // The source is done or the cap is reached.
                queue.put(CompletableFuture.completedFuture(end(unit, source)));
                return;
            }
        }
    }

    /** Each unit from its start: the documents the index counted in it, and no more. */
    private void readUnits(DocumentSource source, List<DocumentIndex.Unit> units) throws InterruptedException {
        long total = units.stream().mapToLong(DocumentIndex.Unit::documents).sum();
        long done = 0;
        int last = -1;
        for (DocumentIndex.Unit u : units) {
            if (stopped) {
                return;
            }
            source.seek(u.start());
            for (long inUnit = 0; inUnit < u.documents(); ) {
                List<String> docs = new ArrayList<>();
                long chars = 0;
                while (docs.size() < CHUNK_DOCS && chars < CHUNK_CHARS && inUnit + docs.size() < u.documents()) {
                    String doc = source.next();
                    if (doc == null) {
                        throw SluiceException.input(String.format(Locale.ROOT, "the input ended inside unit %d, "
                                + "which the shard tasks' index says holds %,d documents: the input changed since "
                                + "the index was written; delete the output and run the tasks again", u.number(),
                                u.documents()));
                    }
                    docs.add(doc);
                    chars += doc.length();
                }
                done += docs.size();
                submit(new Chunk(u.number(), (int) inUnit, docs.size(), true, null, null, null, chars,
                        (double) done / total, source.counts(), null), docs, false);
                inUnit += docs.size();
            }
            last = u.number();
        }
        queue.put(CompletableFuture.completedFuture(end(last, source)));
    }

    private void submit(Chunk c, List<String> docs, boolean hash) throws InterruptedException {
        queue.put(workers.submit(() -> process(c, docs, hash)));
    }

    private static Chunk end(int unit, DocumentSource source) {
        return new Chunk(unit, 0, 0, false, null, null, null, 0, 1, source.counts(), null);
    }

    private Chunk process(Chunk c, List<String> docs, boolean hash) {
        boolean tokenize = c.tokenized();
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
        return new Chunk(c.unit(), c.firstInUnit(), c.documents(), tokenize, tokenize ? encoder.take() : null, ends,
                hashes, c.chars(), c.fraction(), c.counts(), c.start());
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
