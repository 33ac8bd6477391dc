package dev.sluice.text;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Concatenates documents, each followed by the end-of-text token, and cuts the stream into sequences of
 * exactly {@code seqLen} tokens. Each sequence carries {@code cu_seqlens}: 0, then the end offset of every
 * document piece inside it (the flash-attention varlen convention), so attention can be masked per
 * document. A document that crosses a cut continues as the first piece of the next sequence.
 */
final class Packer {
    /** One packed row. {@code cuSeqlens[last]} is the count of real tokens; padding follows it. */
    record Sequence(int[] inputIds, int[] cuSeqlens) {
        long bytes() {
            // list<int32> values plus one 4-byte offset per list, an upper bound of the Parquet page data.
            return 4L * inputIds.length + 4L * cuSeqlens.length + 8;
        }
    }

    private final int seqLen;
    private final int endOfText;
    private final ArrayDeque<Sequence> ready = new ArrayDeque<>();
    private int[] ids;
    private int fill;
    private int[] cu;
    private int pieces;

    Packer(int seqLen, int endOfText) {
        this.seqLen = seqLen;
        this.endOfText = endOfText;
        reset();
    }

    private void reset() {
        ids = new int[seqLen];
        fill = 0;
        cu = new int[8];
        pieces = 0;
    }

    /** Appends the first {@code n} tokens of a document and its end-of-text token. */
    void add(int[] tokens, int n) {
        add(tokens, 0, n);
    }

    /** Appends {@code n} tokens of a document, from {@code tokens[from]}, and its end-of-text token. */
    void add(int[] tokens, int from, int n) {
        int off = 0;
        int total = n + 1;
        while (off < total) {
            int take = Math.min(seqLen - fill, total - off);
            int fromDoc = Math.max(0, Math.min(take, n - off));
            System.arraycopy(tokens, from + off, ids, fill, fromDoc);
            if (fromDoc < take) {
                ids[fill + fromDoc] = endOfText;
            }
            fill += take;
            off += take;
            endPiece();
            if (fill == seqLen) {
                ready.add(new Sequence(ids, cuSeqlens()));
                reset();
            }
        }
    }

    private void endPiece() {
        if (pieces + 2 > cu.length) {
            cu = Arrays.copyOf(cu, cu.length * 2);
        }
        cu[++pieces] = fill;
    }

    private int[] cuSeqlens() {
        return Arrays.copyOf(cu, pieces + 1);
    }

    /** A finished sequence, or null when none is ready. */
    Sequence poll() {
        return ready.poll();
    }

    /** Tokens in the open, unfinished sequence. */
    int pending() {
        return fill;
    }

    /** Closes the open sequence as {@code last} says; returns it, or null (nothing open, or dropped). */
    Sequence finish(PackConfig.Last last) {
        if (fill == 0) {
            return null;
        }
        Sequence s = switch (last) {
            case PARTIAL -> new Sequence(Arrays.copyOf(ids, fill), cuSeqlens());
            case DROP -> null;
            case PAD -> {
                Arrays.fill(ids, fill, seqLen, endOfText);
                yield new Sequence(ids, cuSeqlens());
            }
        };
        reset();
        return s;
    }
}
