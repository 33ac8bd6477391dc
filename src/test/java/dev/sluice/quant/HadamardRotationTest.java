package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RaBitQ's fast rotation is orthogonal (its matrix, read off the basis vectors, has {@code M^T M = I}), its
 * transpose undoes it, and it spreads every input over every output; codebooks with the dense rotation of earlier
 * versions still read and encode as they did.
 */
class HadamardRotationTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {7, 64, 100, 384, 768, 1024})
    void isOrthogonalAndSpreadsEveryInput(int dim) {
        HadamardRotation r = HadamardRotation.random(dim, 11);
        float[] m = new float[dim * dim]; // column j: R e_j
        float[] e = new float[dim], col = new float[dim], back = new float[dim];
        for (int j = 0; j < dim; j++) {
            e[j] = 1;
            r.apply(e, 0, col, 0);
            r.applyTransposed(col, 0, back, 0);
            for (int i = 0; i < dim; i++) {
                m[i * dim + j] = col[i];
                assertEquals(e[i], back[i], 1e-5, "R^T R e_" + j + " at " + i + ", dim " + dim);
            }
            e[j] = 0;
        }
        double worst = 0, largest = 0;
        for (int a = 0; a < dim; a++) {
            for (int b = a; b < dim; b++) {
                double dot = 0;
                for (int i = 0; i < dim; i++) {
                    dot += (double) m[i * dim + a] * m[i * dim + b];
                }
                worst = Math.max(worst, Math.abs(dot - (a == b ? 1 : 0)));
            }
        }
        int fewest = dim;
        for (int j = 0; j < dim; j++) {
            int reached = 0;
            for (int i = 0; i < dim; i++) {
                largest = Math.max(largest, Math.abs(m[i * dim + j]));
                reached += Math.abs(m[i * dim + j]) > 0.1 / Math.sqrt(dim) ? 1 : 0;
            }
            fewest = Math.min(fewest, reached);
        }
        assertTrue(worst < 1e-5, "M^T M - I up to " + worst + ", dim " + dim);
        // A dense random rotation's entries are about 1/sqrt(dim), the largest about 5/sqrt(dim). At embedding sizes
        // every input reaches most outputs here too, and none keeps more than a seventh of its energy in one (at
        // 384 dimensions the largest entry is 7.4/sqrt(dim)); small ones are only checked to be orthogonal.
        if (dim >= 128) {
            assertTrue(fewest > 0.8 * dim, "an input reaches only " + fewest + " of " + dim + " outputs");
            assertTrue(largest * largest < 1 / 7.0, "largest entry " + largest + ", dim " + dim);
        }
    }

    @Test
    void denseRotationCodebooksStillRead() throws Exception {
        int n = Samples.N, dim = Samples.DIM;
        RaBitQuantizer trained = RaBitQuantizer.train(Samples.BASE, n, dim, 1, 7);
        // With the dense rotation earlier versions drew (and a centroid at the origin).
        RaBitQuantizer dense = new RaBitQuantizer(dim, 1, new float[dim], Rotation.random(dim, 7));
        Path file = tmp.resolve(Codebook.FILE);
        Codebook.write(dense, file);
        Quantizer read = Codebook.read(file);
        byte[] a = new byte[n * dense.codeBytes()], b = new byte[n * dense.codeBytes()];
        dense.encodeBatch(Samples.BASE, 0, n, a, 0);
        read.encodeBatch(Samples.BASE, 0, n, b, 0);
        assertArrayEquals(a, b, "a dense-rotation codebook encodes alike after a round trip");
        Path fast = tmp.resolve("fast-" + Codebook.FILE);
        Codebook.write(trained, fast);
        assertTrue(Files.size(fast) < Files.size(file) / 50, "the fast rotation stores 4 x dim signs, not dim^2");
        byte[] c = new byte[n * dense.codeBytes()], d = new byte[n * dense.codeBytes()];
        trained.encodeBatch(Samples.BASE, 0, n, c, 0);
        Codebook.read(fast).encodeBatch(Samples.BASE, 0, n, d, 0);
        assertArrayEquals(c, d, "a fast-rotation codebook encodes alike after a round trip");
    }
}
