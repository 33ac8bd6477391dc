package dev.sluice.logits;

import ai.onnxruntime.OrtException;
import dev.sluice.engine.Futures;
import dev.sluice.engine.SluiceException;
import dev.sluice.simd.VectorKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Scores a window of packed sequences: cuts each at its {@code cu_seqlens} into pieces, runs the pieces through
 * the teacher in batches of similar length (longest first, right-padded to the longest in the batch), and selects
 * every real token's top k on the worker threads. A piece starts at position 0 with nothing before it, as the
 * student sees it; padding after {@code cu_seqlens[-1]} gets no entries. The result does not depend on the number
 * of workers: each position is selected on its own.
 */
final class WindowScorer implements AutoCloseable {
    /** One window's output: per sequence, {@code tokens * k} ids and log-probabilities, position-major. */
    record Scored(int[][] ids, float[][] logprobs, long tokens) {}

    private final Teacher teacher;
    private final int k;
    private final int vocab;
    private final int batchTokens;
    private final ExecutorService workers;
    private final TopLogprobs[] selectors;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment logits;
    private long[] ids = new long[0];
    private long[] mask = new long[0];
    private long firstSeq;
    private long teacherNanos;
    private long selectNanos;

    WindowScorer(Teacher teacher, int k, long logitsBytes, VectorKernels kernels, ExecutorService workers,
                 int workerCount) {
        this.teacher = teacher;
        this.k = k;
        this.vocab = teacher.vocab();
        this.batchTokens = (int) Math.min(Integer.MAX_VALUE, logitsBytes / (4L * vocab));
        this.workers = workers;
        this.selectors = new TopLogprobs[Math.max(1, workerCount)];
        for (int w = 0; w < selectors.length; w++) {
            selectors[w] = new TopLogprobs(kernels, k);
        }
        // Off the heap and outside -XX:MaxDirectMemorySize: the budget counts it apart (LogitsMemory).
        this.logits = arena.allocate((long) batchTokens * vocab * 4, 64);
    }

    /**
     * Scores sequences {@code firstSeq ..} of the cache ({@code inputIds[i]}, {@code cuSeqlens[i]}); the sequence
     * number only names a sequence in errors.
     */
    Scored score(List<int[]> inputIds, List<int[]> cuSeqlens, long firstSeq) throws Exception {
        this.firstSeq = firstSeq;
        int rows = inputIds.size();
        int[][] outIds = new int[rows][];
        float[][] outLogprobs = new float[rows][];
        List<Piece> pieces = new ArrayList<>();
        long tokens = 0;
        for (int r = 0; r < rows; r++) {
            int[] cu = cuSeqlens.get(r);
            int real = cu.length == 0 ? 0 : cu[cu.length - 1];
            outIds[r] = new int[real * k];
            outLogprobs[r] = new float[real * k];
            tokens += real;
            for (int p = 0; p + 1 < cu.length; p++) {
                if (cu[p + 1] > cu[p]) {
                    pieces.add(new Piece(r, cu[p], cu[p + 1] - cu[p]));
                }
            }
        }
        // Longest first, then in order: batches of similar length waste little on padding.
        pieces.sort((a, b) -> a.length != b.length ? Integer.compare(b.length, a.length)
                : a.row != b.row ? Integer.compare(a.row, b.row) : Integer.compare(a.start, b.start));
        for (int i = 0; i < pieces.size(); ) {
            int length = pieces.get(i).length;
            if (length > batchTokens) {
                throw SluiceException.internal("a piece of " + length + " tokens exceeds the logits buffer of "
                        + batchTokens + " tokens", null);
            }
            int n = Math.min(pieces.size() - i, batchTokens / length);
            runBatch(pieces.subList(i, i + n), length, inputIds, outIds, outLogprobs);
            i += n;
        }
        return new Scored(outIds, outLogprobs, tokens);
    }

    private record Piece(int row, int start, int length) {}

    private void runBatch(List<Piece> batch, int length, List<int[]> inputIds, int[][] outIds,
                          float[][] outLogprobs) throws Exception {
        int rows = batch.size();
        int cells = rows * length;
        if (ids.length < cells) {
            ids = new long[cells];
            mask = new long[cells];
        }
        Arrays.fill(ids, 0, cells, 0);
        Arrays.fill(mask, 0, cells, 0);
        int[] firstPosition = new int[rows + 1];
        for (int b = 0; b < rows; b++) {
            Piece p = batch.get(b);
            int[] src = inputIds.get(p.row);
            for (int t = 0; t < p.length; t++) {
                ids[b * length + t] = src[p.start + t];
                mask[b * length + t] = 1;
            }
            firstPosition[b + 1] = firstPosition[b] + p.length;
        }
        MemorySegment out = logits.asSlice(0, (long) cells * vocab * 4);
        long t0 = System.nanoTime();
        try {
            teacher.forward(ids, mask, rows, length, out.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer());
        } catch (OrtException e) {
            throw SluiceException.resource("the teacher failed on a batch of " + rows + " x " + length + " tokens: "
                    + e.getMessage(), e);
        }
        long t1 = System.nanoTime();
        teacherNanos += t1 - t0;
        // Real positions split evenly over the workers; each writes only its own positions' entries.
        int total = firstPosition[rows];
        int parts = selectors.length;
        List<Future<?>> done = new ArrayList<>(parts);
        for (int w = 0; w < parts; w++) {
            int from = (int) ((long) total * w / parts);
            int to = (int) ((long) total * (w + 1) / parts);
            TopLogprobs selector = selectors[w];
            done.add(workers.submit(() -> {
                int b = Math.max(0, Arrays.binarySearch(firstPosition, from));
                while (b + 1 < firstPosition.length && firstPosition[b + 1] <= from) {
                    b++;
                }
                for (int pos = from; pos < to; pos++) {
                    while (firstPosition[b + 1] <= pos) {
                        b++;
                    }
                    Piece p = batch.get(b);
                    int t = pos - firstPosition[b];
                    long offset = ((long) b * length + t) * vocab * 4;
                    int at = (p.start + t) * k;
                    if (!selector.select(out, offset, vocab, outIds[p.row], outLogprobs[p.row], at)) {
                        throw SluiceException.input(String.format(Locale.ROOT, "the teacher's logits for sequence "
                                + "%d, token %d are not finite (NaN or infinity): the model or its export is broken",
                                firstSeq + p.row, p.start + t));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            Futures.get(f, "selecting the top " + k + " of the teacher's logits");
        }
        selectNanos += System.nanoTime() - t1;
    }

    /** Seconds spent in the teacher so far. */
    double teacherSeconds() {
        return teacherNanos / 1e9;
    }

    /** Seconds spent selecting the top k (all workers, wall clock) so far. */
    double selectSeconds() {
        return selectNanos / 1e9;
    }

    @Override
    public void close() {
        arena.close();
    }
}
