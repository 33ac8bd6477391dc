package dev.sluice.simd.bench;

import dev.sluice.simd.Kernels;
import dev.sluice.simd.VectorKernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The kernels, scalar against Vector API, at odd and common sizes. Run with scripts/bench/kernels.sh. Both
 * forks get the same fixed, pre-touched heap; they differ only in which kernels they call.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "--add-modules=jdk.incubator.vector"})
public class KernelBench {
    @Param({"7", "207", "384", "1024"})
    int dim;

    VectorKernels scalar;
    VectorKernels vector;
    float[] a;
    float[] b;
    float[] step;
    byte[] codes;
    float[] lut;
    float[] out = new float[256];
    byte[] byteLut;
    short[] sums = new short[256];

    @Setup
    public void setup() {
        scalar = Kernels.scalar();
        vector = Kernels.panamaUnavailable() == null ? Kernels.panama() : Kernels.scalar();
        Random r = new Random(42);
        a = new float[4 * dim];
        b = new float[dim];
        step = new float[dim];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextFloat();
        }
        for (int i = 0; i < dim; i++) {
            b[i] = r.nextFloat();
            step[i] = r.nextFloat() / 255;
        }
        codes = new byte[256 * Math.max(dim, 16)];
        r.nextBytes(codes);
        lut = new float[16 * 256];
        byteLut = new byte[16 * 256];
        for (int i = 0; i < lut.length; i++) {
            lut[i] = r.nextFloat();
            byteLut[i] = (byte) (lut[i] * 255);
        }
    }

    @Benchmark
    public float squareDistanceScalar() {
        return scalar.squareDistance(a, 0, b, 0, dim);
    }

    @Benchmark
    public float squareDistanceVector() {
        return vector.squareDistance(a, 0, b, 0, dim);
    }

    @Benchmark
    public float[] dot4x2Scalar() {
        scalar.dot4x2(a, 0, b, 0, 0, dim, out);
        return out;
    }

    @Benchmark
    public float[] dot4x2Vector() {
        vector.dot4x2(a, 0, b, 0, 0, dim, out);
        return out;
    }

    @Benchmark
    public float u8SquareDistanceScalar() {
        return scalar.u8SquareDistance(a, step, codes, 0, dim);
    }

    @Benchmark
    public float u8SquareDistanceVector() {
        return vector.u8SquareDistance(a, step, codes, 0, dim);
    }

    /** 256 PQ16x8 codes per call. */
    @Benchmark
    public float[] pqDistancesScalar() {
        scalar.pqDistances(lut, 256, codes, 0, 256, 16, out);
        return out;
    }

    @Benchmark
    public float[] pqDistancesVector() {
        vector.pqDistances(lut, 256, codes, 0, 256, 16, out);
        return out;
    }

    /** The same 256 PQ16 codes as {@link #pqDistancesVector}, summed with byte tables in four blocks of 64. */
    @Benchmark
    public short[] pqBlockSumsScalar() {
        for (int b = 0; b < 4; b++) {
            scalar.pqBlockSums(byteLut, 16, codes, b * 64 * 16, sums, b * 64);
        }
        return sums;
    }

    @Benchmark
    public short[] pqBlockSumsVector() {
        for (int b = 0; b < 4; b++) {
            vector.pqBlockSums(byteLut, 16, codes, b * 64 * 16, sums, b * 64);
        }
        return sums;
    }
}
