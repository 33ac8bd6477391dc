package dev.sluice.text;

import dev.sluice.io.DocumentSource;
import java.util.function.Consumer;

/**
 * The ordered, single-threaded part of pack: for each document in input order, the length filter, then
 * exact dedup against the store, then packing. Everything that decides what is written happens here, in
 * document order, so the output does not depend on how many workers tokenized.
 */
final class PackStream {
    /** What happened to the documents so far. */
    static final class Stats {
        long documents;
        long tokensRead;
        long chars;
        long tooShort;
        long tooLong;
        long truncated;
        long duplicatesInRun;
        long duplicatesOfStore;
        long kept;
        long tokensKept;
        long sequences;
        long tokensWritten;
        long padTokens;
        long droppedTailTokens;
        double fraction = Double.NaN;
        DocumentSource.Counts counts = new DocumentSource.Counts(0, 0, 0, null);
    }

    private final DocumentPipeline pipeline;
    private final PackConfig config;
    private final DedupStore store;
    private final Packer packer;
    private final Stats stats = new Stats();
    private final Consumer<Stats> onChunk;
    private Packer.Sequence peeked;
    private RuntimeException failure;
    private boolean inputDone;
    private boolean finished;

    PackStream(DocumentPipeline pipeline, PackConfig config, Tokenizer tokenizer, DedupStore store,
               Consumer<Stats> onChunk) {
        this.pipeline = pipeline;
        this.config = config;
        this.store = store;
        this.packer = new Packer(config.seqLen(), tokenizer.endOfText());
        this.onChunk = onChunk;
    }

    Stats stats() {
        return stats;
    }

    /** The next sequence without taking it; null at the end. */
    Packer.Sequence peek() {
        if (peeked == null) {
            try {
                peeked = produce();
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        }
        return peeked;
    }

    /**
     * What stopped the stream, if anything. DuckDB calls {@link #peek} from inside a {@code COPY} and reports
     * an exception there as its own error; the job rethrows this one instead, which names the input.
     */
    RuntimeException failure() {
        return failure;
    }

    Packer.Sequence next() {
        Packer.Sequence s = peek();
        peeked = null;
        if (s != null) {
            stats.sequences++;
            stats.tokensWritten += s.inputIds().length;
        }
        return s;
    }

    private Packer.Sequence produce() {
        while (true) {
            Packer.Sequence s = packer.poll();
            if (s != null) {
                return s;
            }
            if (inputDone) {
                if (finished) {
                    return null;
                }
                finished = true;
                int pending = packer.pending();
                s = packer.finish(config.last());
                if (s == null) {
                    stats.droppedTailTokens += pending;
                } else {
                    stats.padTokens += s.inputIds().length - pending;
                }
                return s;
            }
            consume(pipeline.next());
        }
    }

    private void consume(DocumentPipeline.Chunk chunk) {
        if (chunk.documents() == 0) {
            inputDone = true;
            if (chunk.counts() != null) {
                stats.counts = chunk.counts();
            }
            return;
        }
        int[] ids = chunk.ids();
        for (int i = 0; i < chunk.documents(); i++) {
            int from = i == 0 ? 0 : chunk.ends()[i - 1];
            int n = chunk.ends()[i] - from;
            stats.documents++;
            stats.tokensRead += n;
            if (n < config.minTokens()) {
                stats.tooShort++;
                continue;
            }
            if (config.maxTokens() > 0 && n > config.maxTokens()) {
                if (!config.truncate()) {
                    stats.tooLong++;
                    continue;
                }
                stats.truncated++;
                n = config.maxTokens();
            }
            if (store != null) {
                DedupStore.Seen seen = store.add(chunk.hashes()[i]);
                if (seen != DedupStore.Seen.NEW) {
                    if (seen == DedupStore.Seen.IN_RUN) {
                        stats.duplicatesInRun++;
                    } else {
                        stats.duplicatesOfStore++;
                    }
                    continue;
                }
            }
            stats.kept++;
            stats.tokensKept += n;
            packer.add(ids, from, n);
        }
        stats.chars += chunk.chars();
        stats.fraction = chunk.fraction();
        stats.counts = chunk.counts();
        onChunk.accept(stats);
    }
}
