package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.io.CodeShards;
import dev.sluice.knn.CodeSearch;
import dev.sluice.knn.HeldCodes;
import dev.sluice.knn.Neighbors;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Codes held in memory and prepared once give, pass after pass, the neighbours and distances of codes streamed
 * and prepared batch by batch: over 17,500 codes (two batches, the second short), for every method whose scorer
 * prepares the batches.
 */
class HeldCodesTest {
    private static final int COPIES = 7;

    @Test
    void heldPassesGiveWhatStreamedPassesGive() {
        int n = Samples.N, dim = Samples.DIM;
        float[] queries = Samples.load("queries.npy");
        int nq = 40;
        List<Quantizer> methods = List.of(
                ProductQuantizer.train(Samples.BASE, n, dim, 32, 4, 3, 2),
                ProductQuantizer.train(Samples.BASE, n, dim, 16, 8, 3, 2),
                RaBitQuantizer.train(Samples.BASE, n, dim, 1, 3),
                RaBitQuantizer.train(Samples.BASE, n, dim, 4, 3),
                SaqQuantizer.train(Samples.BASE, n, dim, 4, 3),
                ScalarQuantizer.train(Samples.BASE, n, dim, 8));
        for (Quantizer q : methods) {
            int cb = q.codeBytes();
            byte[] one = new byte[n * cb];
            q.encodeBatch(Samples.BASE, 0, n, one, 0);
            byte[] codes = new byte[COPIES * n * cb];
            for (int c = 0; c < COPIES; c++) {
                System.arraycopy(one, 0, codes, c * n * cb, n * cb);
            }
            HeldCodes held = HeldCodes.read(source(codes, cb), (long) COPIES * n, cb);
            Neighbors streamed = CodeSearch.search(i -> q.scorer(queries, i * dim), nq, cb, source(codes, cb), 10, 2);
            for (int pass = 0; pass < 2; pass++) {
                Neighbors got = CodeSearch.search(i -> q.scorer(queries, i * dim), nq, held, 10, 2);
                for (int i = 0; i < nq; i++) {
                    String what = q.describe() + ", pass " + pass + ", query " + i;
                    assertArrayEquals(streamed.ids()[i], got.ids()[i], what);
                    assertArrayEquals(streamed.distances()[i], got.distances()[i], what);
                    assertEquals(10, got.ids()[i].length, what);
                }
            }
        }
    }

    /** The codes in order, with ids 0.., in batches as large as the reader's. */
    private static CodeShards.Source source(byte[] codes, int cb) {
        int rows = codes.length / cb;
        int[] at = {0};
        return b -> {
            int r = Math.min(b.ids.length, rows - at[0]);
            System.arraycopy(codes, at[0] * cb, b.codes, 0, r * cb);
            for (int i = 0; i < r; i++) {
                b.ids[i] = at[0] + i;
            }
            b.rows = r;
            at[0] += r;
            return r > 0;
        };
    }
}
