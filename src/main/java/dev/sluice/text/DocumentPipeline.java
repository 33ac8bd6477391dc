package dev.sluice.text;

import dev.sluice.engine.Futures;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.WorkerThreads;
import dev.sluice.io.DocumentSource;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * Reads documents on one thread, dedups and tokenizes them in chunks on the worker pool, and hands the
 * chunks back in input order. The queue of chunks in flight is bounded, so memory depends on the chunk
 * size and worker count, not on the input; the reader stops at the document cap, so no more is read.
 *
 * <p>With a dedup store, a worker hashes its chunk's documents, waits until the chunk before it has been
 * through the store, puts its own hashes through in order, and then tokenizes only the documents that are new:
 * the store sees every hash in input order, as one thread would give them, and no duplicate is tokenized (on
 * a corpus of Debian changelogs, 62% of the documents). Hashing and tokenizing run in parallel; only the
 * lookups take turns.
 *
 * <p>Chunks never span a work unit (documents [u * unitDocs, (u + 1) * unitDocs)). The documents of a unit
 * that {@code produce} declines (one already committed) only go through dedup, never tokenized. Given the
 * units to read from a {@link DocumentIndex} instead, the reader goes to each unit's start and reads its
 * documents only, whose duplicates the index names: that is how a shard task reads only its own part of the
 * input.
 */
final class DocumentPipeline implements AutoCloseable {
    /** Documents per chunk, and characters: whichever comes first ends the chunk. */
    static final int CHUNK_DOCS = 256;
    static final long CHUNK_CHARS = 1L << 20;

    /**
     * One chunk of unit {@code unit}, from its document {@code firstInUnit} on, processed: when {@code tokenized},
     * the token ids of its documents one after the other and where each document's ids end (a duplicate has
     * none); with dedup, whether each document is new or repeats an earlier one ({@code seen}). {@code start} is
     * where the source stood before the chunk (when asked for); {@code counts} are the source's counters right
     * after the chunk's last document. A chunk of no documents marks the end.
     */
    record Chunk(int unit, int firstInUnit, int documents, boolean tokenized, int[] ids, int[] ends,
                 DedupStore.Seen[] seen, long chars, double fraction, DocumentSource.Counts counts,
                 DocumentSource.Position start) {}

    /** What the reader does: which documents it reads, and what the workers do with them. */
    record Reading(long maxDocs, int unitDocs, IntPredicate produce, DocumentIndex index,
                   List<DocumentIndex.Unit> units, boolean positions) {
        /** The input from its start, up to {@code maxDocs} (0: all), tokenizing the units {@code produce} accepts. */
        static Reading sequential(long maxDocs, int unitDocs, IntPredicate produce) {
            return new Reading(maxDocs, unitDocs, produce, null, null, false);
        }

        /** The input from its start, only through dedup, with each chunk's start position: for the index. */
        static Reading indexing(long maxDocs, int unitDocs) {
            return new Reading(maxDocs, unitDocs, u -> false, null, null, true);
        }

        /** Only the given units of {@code index}, each from its start, tokenized but for the index's duplicates. */
        static Reading units(DocumentIndex index, List<DocumentIndex.Unit> units) {
            return new Reading(0, 0, u -> true, index, units, false);
        }
    }

    private final ExecutorService workers;
    /** Each worker's encoder (for tiktoken, with its cache of segments). */
    private final ThreadLocal<DocumentEncoder> encoders;
    private final BlockingQueue<Future<Chunk>> queue;
    /** The dedup store, used by one worker at a time in input order (null: no dedup, or the index's). */
    private final DedupStore store;
    /** Completed when the last chunk submitted has been through the store (the reader's). */
    private CompletableFuture<Void> lastDedup;
    private final Thread reader;
    private volatile boolean stopped;

    DocumentPipeline(DocumentSource source, Reading reading, DedupStore store, Tokenizer tokenizer, int workerCount,
                     long sharedCacheBytes, long ownCacheBytes) {
        this.store = store;
        encoders = ThreadLocal.withInitial(tokenizer.encoders(sharedCacheBytes, ownCacheBytes));
        workers = WorkerThreads.workers(workerCount);
        queue = new ArrayBlockingQueue<>(workerCount * 4);
        reader = Thread.ofPlatform().name("sluice-reader").start(() -> read(source, reading));
    }

    private void read(DocumentSource source, Reading reading) {
        try {
            if (reading.units() != null) {
                readUnits(source, reading.index(), reading.units());
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
                        source.counts(), start), docs);
            }
            if (!more) {
                // The source is done or the cap is reached.
                queue.put(CompletableFuture.completedFuture(end(unit, source)));
                return;
            }
        }
    }

    /** Each unit from its start: the documents the index counted in it, and no more. */
    private void readUnits(DocumentSource source, DocumentIndex index, List<DocumentIndex.Unit> units)
            throws InterruptedException {
        long total = units.stream().mapToLong(DocumentIndex.Unit::documents).sum();
        long done = 0;
        int last = -1;
        for (DocumentIndex.Unit u : units) {
            if (stopped) {
                return;
            }
            source.seek(u.start());
            BitSet duplicates = u.dups() == 0 ? null : index.duplicates(u);
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
                DedupStore.Seen[] seen = null;
                if (duplicates != null) {
                    seen = new DedupStore.Seen[docs.size()];
                    for (int i = 0; i < seen.length; i++) {
                        seen[i] = duplicates.get((int) inUnit + i) ? DedupStore.Seen.IN_RUN : DedupStore.Seen.NEW;
                    }
                }
                submit(new Chunk(u.number(), (int) inUnit, docs.size(), true, null, null, seen, chars,
                        (double) done / total, source.counts(), null), docs);
                inUnit += docs.size();
            }
            last = u.number();
        }
        queue.put(CompletableFuture.completedFuture(end(last, source)));
    }

    private void submit(Chunk c, List<String> docs) throws InterruptedException {
        CompletableFuture<Void> before = lastDedup;
        CompletableFuture<Void> done = store == null ? null : new CompletableFuture<>();
        lastDedup = done;
        queue.put(workers.submit(() -> process(c, docs, before, done)));
    }

    private static Chunk end(int unit, DocumentSource source) {
        return new Chunk(unit, 0, 0, false, null, null, null, 0, 1, source.counts(), null);
    }

    /**
     * A worker's part: with dedup ({@code done} given), hashes the documents, waits for the chunk before to have
     * been through the store ({@code before}), puts its hashes through, and says so; then tokenizes the documents
     * that are new, if the chunk is to be tokenized.
     */
    private Chunk process(Chunk c, List<String> docs, Future<Void> before, CompletableFuture<Void> done)
            throws Exception {
        DedupStore.Seen[] seen = c.seen();
        if (done != null) {
            try {
                long[] hashes = new long[docs.size()];
                for (int i = 0; i < hashes.length; i++) {
                    hashes[i] = ContentHash.of(docs.get(i));
                }
                if (before != null) {
                    before.get();
                }
                seen = new DedupStore.Seen[hashes.length];
                for (int i = 0; i < hashes.length; i++) {
                    seen[i] = store.add(hashes[i]);
                }
                done.complete(null);
            } catch (Throwable e) {
                // The chunks after this one fail too, in turn, rather than wait for it.
                done.completeExceptionally(e);
                throw e;
            }
        }
        boolean tokenize = c.tokenized();
        int[] ends = tokenize ? new int[docs.size()] : null;
        DocumentEncoder encoder = tokenize ? encoders.get() : null;
        for (int i = 0; tokenize && i < docs.size(); i++) {
            if (seen == null || seen[i] == DedupStore.Seen.NEW) {
                encoder.encode(docs.get(i));
            }
            ends[i] = encoder.size();
        }
        return new Chunk(c.unit(), c.firstInUnit(), c.documents(), tokenize, tokenize ? encoder.take() : null, ends,
                seen, c.chars(), c.fraction(), c.counts(), c.start());
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
            // Workers may be in the dedup store, which the caller closes next.
            workers.awaitTermination(2, TimeUnit.SECONDS);
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
