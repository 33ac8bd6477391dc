package dev.sluice.knn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorReaders;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Re-ranking reads rows directly where the base allows it, and must give what one pass over the base gives. */
class RerankTest {

    private static VectorReader open(String name) {
        return VectorReaders.open(TestData.embeddings(name).toString(), null, null, null, null);
    }

    /** The same reader read in order only, as a Parquet base is. */
    private record InOrder(VectorReader r) implements VectorReader {
        public int dim() {
            return r.dim();
        }

        public long count() {
            return r.count();
        }

        public String describe() {
            return r.describe();
        }

        public boolean next(VectorBatch b) {
            return r.next(b);
        }

        public void rewind() {
            r.rewind();
        }

        public void close() {
            r.close();
        }
    }

    @Test
    void rowReadsOnWorkersGiveWhatOnePassGives() {
        try (VectorReader base = open("base.npy"); VectorReader q = open("queries.npy")) {
            assertTrue(base.rowAccess());
            int nq = 50;
            int dim = q.dim();
            VectorBatch qb = q.newBatch(nq);
            q.next(qb);
            float[] queries = java.util.Arrays.copyOf(qb.data, nq * dim);
            // 100 distinct random candidates a query, in no order, as a code search hands them over.
            Random rnd = new Random(7);
            long[][] ids = new long[nq][];
            for (int i = 0; i < nq; i++) {
                ids[i] = rnd.longs(0, base.count()).distinct().limit(100).toArray();
            }
            Neighbors candidates = new Neighbors(ids, new float[nq][100]);
            Neighbors direct = CodeSearch.rerank(candidates, queries, base, 10, 2);
            Neighbors onePass = CodeSearch.rerank(candidates, queries, new InOrder(open("base.npy")), 10, 2);
            for (int i = 0; i < nq; i++) {
                assertEquals(10, direct.ids()[i].length);
                assertArrayEquals(onePass.ids()[i], direct.ids()[i], "query " + i);
                assertArrayEquals(onePass.distances()[i], direct.distances()[i], "query " + i);
            }
        }
    }
}
