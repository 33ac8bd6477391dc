package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RaBitQ encodes four vectors at a time (one pass over the rotation for four): a vector's code must not depend on
 * its group, so batches of any size and offset give the codes of one-by-one encoding, byte for byte.
 */
class RaBitQEncodeTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void batchesGiveTheCodesOfOneByOneEncoding(int bits) {
        int n = Samples.N, dim = Samples.DIM;
        RaBitQuantizer rq = RaBitQuantizer.train(Samples.BASE, n, dim, bits, 7);
        int cb = rq.codeBytes();
        byte[] single = new byte[n * cb];
        for (int i = 0; i < n; i++) {
            rq.encodeTo(Samples.BASE, i * dim, single, i * cb);
        }
        byte[] whole = new byte[n * cb];
        rq.encodeBatch(Samples.BASE, 0, n, whole, 0);
        assertArrayEquals(single, whole, bits + " bit(s), one batch");
        // Batches of 7 from vector 3: every group of four is made of other vectors than above.
        byte[] shifted = new byte[(n - 3) * cb];
        for (int first = 3; first < n; first += 7) {
            int count = Math.min(7, n - first);
            rq.encodeBatch(Samples.BASE, first * dim, count, shifted, (first - 3) * cb);
        }
        assertArrayEquals(Arrays.copyOfRange(single, 3 * cb, n * cb), shifted, bits + " bit(s), batches of 7");
    }
}
