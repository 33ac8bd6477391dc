package dev.sluice.text;

import dev.sluice.io.DocumentSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The ordered, single-threaded part of pack: for each document in input order, the dedup decision (made by
 * the pipeline in input order), then the length filter, then packing. Everything that decides what is written
 * happens here, in document order, so the output does not depend on how many workers tokenized.
 *
 * <p>The stream goes unit by unit ({@link #nextUnit}). A unit this process produces is packed on its own: the
 * packer starts empty and the unit's last, shorter sequence follows {@code --last}, so its sequences do not
 * depend on any other unit. The documents of the other units (other shard tasks', or committed ones) pass
 * through dedup only, so that every process makes the same dedup decisions; dedup comes before the length
 * filter because a skipped document's hash is known but its length is not, and a duplicate is never tokenized
 * ({@code tokens_read} counts the documents that are not duplicates). A shard task reads only its own units and
 * takes the dedup decisions (and the skipped lines each unit counts) from the {@link DocumentIndex}.
 */
final class PackStream {
    /** What happened to the documents of one unit, or of all the units produced so far. */
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
        long malformed;
        long missingText;

        /** The unit record's statistics (summed into the manifest's totals). */
        Map<String, Long> toMap() {
            Map<String, Long> t = new LinkedHashMap<>();
            t.put("documents_read", documents);
            t.put("malformed_lines", malformed);
            t.put("missing_text", missingText);
            t.put("too_short", tooShort);
            t.put("too_long", tooLong);
            t.put("truncated", truncated);
            t.put("duplicates_in_run", duplicatesInRun);
            t.put("duplicates_of_store", duplicatesOfStore);
            t.put("documents_kept", kept);
            t.put("tokens_read", tokensRead);
            t.put("tokens_kept", tokensKept);
            t.put("tokens_written", tokensWritten);
            t.put("pad_tokens", padTokens);
            t.put("dropped_tail_tokens", droppedTailTokens);
            t.put("sequences", sequences);
            return t;
        }
    }

    /** Progress over the whole input, for the bar, the log and the start-up estimate. */
    static final class InputProgress {
        /** Documents read, produced or not. */
        long documents;
        /** Of them, documents of units this process did not produce. */
        long skipped;
        long tokensRead;
        long tokensKept;
        long kept;
        long sequences;
        double fraction = Double.NaN;
        DocumentSource.Counts counts = new DocumentSource.Counts(0, 0, 0, null);
    }

    private final DocumentPipeline pipeline;
    private final PackConfig config;
    private final DocumentIndex index;
    /** With an index: the current unit's entry. */
    private DocumentIndex.Unit indexed;
    private final Packer packer;
    private final InputProgress progress = new InputProgress();
    private final Consumer<InputProgress> onChunk;
    private Stats unit;
    private int unitNumber = -1;
    /** The source's counters at the end of the previous unit: a unit's malformed lines are the difference. */
    private DocumentSource.Counts countsBefore = progress.counts;
    /** The first chunk of the next unit, read to learn that the current one ended. */
    private DocumentPipeline.Chunk ahead;
    private boolean unitEnded;
    private Packer.Sequence peeked;
    private RuntimeException failure;

    PackStream(DocumentPipeline pipeline, PackConfig config, Tokenizer tokenizer, DocumentIndex index,
               Consumer<InputProgress> onChunk) {
        this.pipeline = pipeline;
        this.config = config;
        this.index = index;
        this.packer = new Packer(config.seqLen(), tokenizer.endOfText());
        this.onChunk = onChunk;
    }

    InputProgress progress() {
        return progress;
    }

    /** The current unit's statistics; complete once {@link #peek} returned null. */
    Stats unitStats() {
        return unit;
    }

    /** Units in the input (the documents read over the unit size, rounded up); known once the input is done. */
    int units() {
        return (int) ((progress.documents + config.unitDocs() - 1) / config.unitDocs());
    }

    /**
     * Moves to the next unit this process produces, passing the others through dedup; returns its number, or
     * -1 when the input is done.
     */
    int nextUnit() {
        try {
            while (true) {
                DocumentPipeline.Chunk c = ahead != null ? ahead : pipeline.next();
                ahead = null;
                if (c.documents() == 0) {
                    progress.counts = c.counts();
                    return -1;
                }
                if (c.unit() != unitNumber) {
                    countsBefore = progress.counts;
                    unitNumber = c.unit();
                }
                if (c.tokenized()) {
                    unit = new Stats();
                    unitEnded = false;
                    if (index != null) {
                        indexed = index.unit(unitNumber);
                    }
                    consume(c);
                    return unitNumber;
                }
                skip(c);
            }
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        }
    }

    /** The current unit's next sequence without taking it; null at the unit's end. */
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
            unit.sequences++;
            unit.tokensWritten += s.inputIds().length;
            progress.sequences++;
        }
        return s;
    }

    private Packer.Sequence produce() {
        while (true) {
            Packer.Sequence s = packer.poll();
            if (s != null || unitEnded) {
                return s;
            }
            DocumentPipeline.Chunk c = pipeline.next();
            if (c.documents() > 0 && c.unit() == unitNumber) {
                consume(c);
                continue;
            }
            // The next unit began, or the input ended: close this unit's last sequence.
            ahead = c;
            unitEnded = true;
            if (indexed != null) {
                unit.malformed = indexed.malformed();
                unit.missingText = indexed.missingText();
            } else {
                DocumentSource.Counts end = c.documents() == 0 ? c.counts() : progress.counts;
                unit.malformed = end.malformed() - countsBefore.malformed();
                unit.missingText = end.missingText() - countsBefore.missingText();
            }
            int pending = packer.pending();
            s = packer.finish(config.last());
            if (s == null) {
                unit.droppedTailTokens += pending;
            } else {
                unit.padTokens += s.inputIds().length - pending;
            }
            return s;
        }
    }

    /** A chunk of a unit produced elsewhere (the pipeline put it through dedup, so later duplicates are found). */
    private void skip(DocumentPipeline.Chunk chunk) {
        progress.documents += chunk.documents();
        progress.skipped += chunk.documents();
        advance(chunk);
    }

    private void consume(DocumentPipeline.Chunk chunk) {
        int[] ids = chunk.ids();
        for (int i = 0; i < chunk.documents(); i++) {
            int from = i == 0 ? 0 : chunk.ends()[i - 1];
            int n = chunk.ends()[i] - from;
            unit.documents++;
            progress.documents++;
            DedupStore.Seen seen = chunk.seen() == null ? DedupStore.Seen.NEW : chunk.seen()[i];
            if (seen != DedupStore.Seen.NEW) {
                // Not tokenized (n is 0).
                if (seen == DedupStore.Seen.IN_RUN) {
                    unit.duplicatesInRun++;
                } else {
                    unit.duplicatesOfStore++;
                }
                continue;
            }
            unit.tokensRead += n;
            progress.tokensRead += n;
            if (n < config.minTokens()) {
                unit.tooShort++;
                continue;
            }
            if (config.maxTokens() > 0 && n > config.maxTokens()) {
                if (!config.truncate()) {
                    unit.tooLong++;
                    continue;
                }
                unit.truncated++;
                n = config.maxTokens();
            }
            unit.kept++;
            unit.tokensKept += n;
            progress.kept++;
            progress.tokensKept += n;
            packer.add(ids, from, n);
        }
        unit.chars += chunk.chars();
        advance(chunk);
    }

    private void advance(DocumentPipeline.Chunk chunk) {
        progress.fraction = chunk.fraction();
        progress.counts = chunk.counts();
        onChunk.accept(progress);
    }
}
