package dev.sluice.knn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorReaders;
import dev.sluice.simd.Kernels;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Blocked exact search equals a plain sort of all distances; the heap keeps the k smallest. */
class ExactSearchTest {
    static final long SEED = new Random().nextLong();

    @Test
    void topKKeepsTheSmallestWithIdTieBreak() {
        Random r = new Random(SEED);
        TopK h = new TopK(10);
        float[] d = new float[1000];
        for (int i = 0; i < d.length; i++) {
            d[i] = r.nextInt(50);  // many ties
            h.offer(d[i], i);
        }
        Integer[] order = new Integer[d.length];
        for (int i = 0; i < d.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> d[i]).thenComparing(i -> i));
        long[] ids = new long[10];
        float[] dist = new float[10];
        h.sorted(ids, dist);
        for (int i = 0; i < 10; i++) {
            assertEquals((long) order[i], ids[i], "seed " + SEED + " rank " + i);
        }
    }

    @Test
    void blockedSearchEqualsBruteForceOnRealEmbeddings() {
        float[] queries = load("queries.npy");
        int nq = 37;  // odd: the 4-query blocks have a tail
        Neighbors nb;
        try (VectorReader base = open("base.npy")) {
            nb = ExactSearch.search(queries, nq, base, 10, 2, 1000);
        }
        float[] base = load("base.npy");
        int n = base.length / 384;
        for (int q = 0; q < nq; q++) {
            final int qq = q;
            float[] d = new float[n];
            for (int i = 0; i < n; i++) {
                d[i] = Kernels.scalar().squareDistance(queries, q * 384, base, i * 384, 384);
            }
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingDouble(i -> d[i]));
            // Distances agree closely; ids agree except where two distances are within rounding.
            for (int i = 0; i < 10; i++) {
                assertEquals(d[order[i]], nb.distances()[q][i], 1e-4, "query " + qq + " rank " + i);
            }
            long[] want = Arrays.stream(order, 0, 10).mapToLong(Integer::longValue).toArray();
            long same = Arrays.stream(want).filter(id -> Arrays.stream(nb.ids()[qq]).anyMatch(x -> x == id)).count();
            assertTrue(same >= 9, "query " + q + ": " + Arrays.toString(want) + " vs " + Arrays.toString(nb.ids()[q]));
        }
        // The same answer with one worker and other batch sizes: results do not depend on how work is cut.
        try (VectorReader base2 = open("base.npy")) {
            Neighbors one = ExactSearch.search(queries, nq, base2, 10, 1, 333);
            for (int q = 0; q < nq; q++) {
                assertArrayEquals(nb.ids()[q], one.ids()[q], "query " + q);
            }
        }
    }

    @Test
    void recallCountsOverlaps() {
        long[][] truth = {{1, 2, 3, 4}, {5, 6, 7, 8}};
        long[][] approx = {{1, 2, 9, 9}, {9, 9, 9, 5}};
        assertEquals((0.5 + 0.25) / 2, Recall.atK(approx, truth, 4), 1e-12);
        assertEquals(1.0, Recall.oneAtK(approx, truth, 4), 1e-12);
        assertEquals(0.5, Recall.oneAtK(approx, truth, 3), 1e-12);
    }

    static VectorReader open(String name) {
        return VectorReaders.open(TestData.embeddings(name).toString(), null, null, null, null);
    }

    static float[] load(String name) {
        try (VectorReader r = open(name)) {
            VectorBatch b = r.newBatch((int) r.count());
            r.next(b);
            return Arrays.copyOf(b.data, b.rows * 384);
        }
    }
}
