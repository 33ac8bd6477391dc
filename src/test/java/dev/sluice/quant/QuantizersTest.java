package dev.sluice.quant;

import org.junit.jupiter.api.Nested;

/** The quantizer contract for every method; the bounds are what each reaches on the MiniLM sample, with room. */
class QuantizersTest {
    @Nested
    class Pq16 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return ProductQuantizer.train(d, n, dim, dim % 16 == 0 ? 16 : 4, 8, 1, 2);
        }

        // 2,000 points for 256 centroids per sub-space over-fit: held-out error is about 0.60.
        double maxMse() {
            return 0.65;
        }
    }

    @Nested
    class Pq32x4 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return ProductQuantizer.train(d, n, dim, dim % 32 == 0 ? 32 : 4, 4, 1, 2);
        }

        double maxMse() {
            return 0.68;
        }
    }

    @Nested
    class Opq16 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return OpqQuantizer.train(d, n, dim, dim % 16 == 0 ? 16 : 4, 8, 1, 2);
        }

        // The learned rotation must beat plain PQ16's held-out error (about 0.60).
        double maxMse() {
            return 0.58;
        }

        double maxDistanceGap() {
            return 1e-3;
        }
    }

    @Nested
    class Sq8 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return ScalarQuantizer.train(d, n, dim, 8);
        }

        double maxMse() {
            return 0.001;
        }
    }

    @Nested
    class Sq4 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return ScalarQuantizer.train(d, n, dim, 4);
        }

        double maxMse() {
            return 0.03;
        }
    }

    @Nested
    class RaBitQ1 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return RaBitQuantizer.train(d, n, dim, 1, 1);
        }

        double maxMse() {
            return 0.45;
        }

        // The estimator is not the distance to the decoded vector; it only tracks it.
        double maxDistanceGap() {
            return 0.4;
        }
    }

    @Nested
    class RaBitQ4 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return RaBitQuantizer.train(d, n, dim, 4, 1);
        }

        double maxMse() {
            return 0.05;
        }

        double maxDistanceGap() {
            return 0.05;
        }
    }

    @Nested
    class Saq2 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return SaqQuantizer.train(d, n, dim, 2, 1);
        }

        // Held-out error about 0.14: the 128 dimensions of lowest variance get no bits and count in full.
        double maxMse() {
            return 0.16;
        }

        // About 0.08: the estimator takes the offset's true norm, the decoded vector is longer along the codes
        // (1 / cos) and has nothing of the dimensions without bits.
        double maxDistanceGap() {
            return 0.1;
        }
    }

    @Nested
    class Saq4 extends QuantizerContract {
        Quantizer train(float[] d, int n, int dim) {
            return SaqQuantizer.train(d, n, dim, 4, 1);
        }

        double maxMse() {
            return 0.02;
        }

        double maxDistanceGap() {
            return 0.02;
        }
    }
}
