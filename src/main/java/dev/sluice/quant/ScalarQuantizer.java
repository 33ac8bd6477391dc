package dev.sluice.quant;

import dev.sluice.simd.Kernels;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-dimension scalar quantization to 8 or 4 bits over the training sample's [min, max] of each dimension,
 * exactly as FAISS's {@code ScalarQuantizer} (QT_8bit / QT_4bit, range min-max): a value becomes
 * {@code floor((2^bits - 1) * (x - vmin) / vdiff)} clamped to the range, and decodes to the middle of its
 * bin, {@code vmin + (code + 0.5) / (2^bits - 1) * vdiff}. SQ8 is 4x smaller than float32 and keeps recall@10
 * near 0.99 on MiniLM; SQ4 is 8x smaller, about 0.87. With 4 bits, dimension {@code 2j} is the low nibble of
 * byte {@code j}, {@code 2j+1} the high one (FAISS's layout), so codes export unchanged.
 */
public final class ScalarQuantizer implements Quantizer {
    private final int dim;
    private final int bits;
    private final float[] vmin;
    private final float[] vdiff;
    private final int levels;

    ScalarQuantizer(int dim, int bits, float[] vmin, float[] vdiff) {
        this.dim = dim;
        this.bits = bits;
        this.vmin = vmin;
        this.vdiff = vdiff;
        this.levels = (1 << bits) - 1;
    }

    public static ScalarQuantizer train(float[] data, int n, int dim, int bits) {
        if (bits != 8 && bits != 4) {
            throw new IllegalArgumentException("scalar quantizer bits must be 8 or 4, got " + bits);
        }
        float[] lo = new float[dim];
        float[] hi = new float[dim];
        java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < dim; j++) {
                float v = data[i * dim + j];
                if (!Float.isFinite(v)) {
                    throw dev.sluice.engine.SluiceException.input("training vector " + i + " has " + v
                            + " at dimension " + j + "; vectors must be finite");
                }
                lo[j] = Math.min(lo[j], v);
                hi[j] = Math.max(hi[j], v);
            }
        }
        float[] diff = new float[dim];
        for (int j = 0; j < dim; j++) {
            diff[j] = hi[j] - lo[j];
        }
        return new ScalarQuantizer(dim, bits, lo, diff);
    }

    @Override
    public String method() {
        return bits == 8 ? "sq8" : "sq4";
    }

    @Override
    public int dim() {
        return dim;
    }

    public int bits() {
        return bits;
    }

    float[] vmin() {
        return vmin;
    }

    float[] vdiff() {
        return vdiff;
    }

    @Override
    public int codeBytes() {
        return bits == 8 ? dim : (dim + 1) / 2;
    }

    private int quantize(float x, int j) {
        if (vdiff[j] == 0) {
            return 0;
        }
        float t = (x - vmin[j]) / vdiff[j];
        t = Math.clamp(t, 0f, 1f);
        // FAISS multiplies in float for 8 bits and in double for 4; the same here, so codes match bit for bit.
        return bits == 8 ? (int) (levels * t) : (int) (t * 15.0);
    }

    @Override
    public void encodeTo(float[] v, int off, byte[] dest, int destOff) {
        if (bits == 8) {
            for (int j = 0; j < dim; j++) {
                dest[destOff + j] = (byte) quantize(v[off + j], j);
            }
            return;
        }
        java.util.Arrays.fill(dest, destOff, destOff + codeBytes(), (byte) 0);
        for (int j = 0; j < dim; j++) {
            dest[destOff + j / 2] |= (byte) (quantize(v[off + j], j) << ((j & 1) * 4));
        }
    }

    @Override
    public void decode(byte[] codes, int off, float[] dest, int destOff) {
        for (int j = 0; j < dim; j++) {
            int c = bits == 8 ? codes[off + j] & 0xFF : (codes[off + j / 2] >>> ((j & 1) * 4)) & 0x0F;
            dest[destOff + j] = vmin[j] + (c + 0.5f) / levels * vdiff[j];
        }
    }

    @Override
    public dev.sluice.knn.CodeScorer scorer(float[] query, int off) {
        // ||q - (vmin + (c + 0.5) step)||^2 = ||q' - c step||^2 with q' = q - vmin - step / 2, one pass per code.
        int bytes = codeBytes();
        if (bits == 8) {
            float[] q = new float[dim];
            float[] step = new float[dim];
            for (int j = 0; j < dim; j++) {
                step[j] = vdiff[j] / levels;
                q[j] = query[off + j] - vmin[j] - 0.5f * step[j];
            }
            var kern = Kernels.get();
            return (codes, o, count, out) -> {
                // Two codes per call: the query and steps are loaded once for both.
                float[] two = new float[2];
                int i = 0;
                for (; i + 2 <= count; i += 2) {
                    kern.u8SquareDistance2(q, step, codes, o + i * bytes, o + (i + 1) * bytes, dim, two);
                    out[i] = two[0];
                    out[i + 1] = two[1];
                }
                for (; i < count; i++) {
                    out[i] = kern.u8SquareDistance(q, step, codes, o + i * bytes, dim);
                }
            };
        }
        float[] qe = new float[bytes], se = new float[bytes], qo = new float[bytes], so = new float[bytes];
        for (int j = 0; j < dim; j++) {
            float step = vdiff[j] / levels;
            float q = query[off + j] - vmin[j] - 0.5f * step;
            if ((j & 1) == 0) {
                qe[j / 2] = q;
                se[j / 2] = step;
            } else {
                qo[j / 2] = q;
                so[j / 2] = step;
            }
        }
        return (codes, o, count, out) -> {
            for (int i = 0; i < count; i++) {
                out[i] = Kernels.get().u4SquareDistance(qe, se, qo, so, codes, o + i * bytes, bytes);
            }
        };
    }

    @Override
    public void writeBody(DataOutputStream out) throws IOException {
        Codebook.writeFloats(out, vmin);
        Codebook.writeFloats(out, vdiff);
    }

    static ScalarQuantizer readBody(DataInputStream in, int dim, String method) throws IOException {
        float[] vmin = Codebook.readFloats(in, dim);
        float[] vdiff = Codebook.readFloats(in, dim);
        return new ScalarQuantizer(dim, method.equals("sq8") ? 8 : 4, vmin, vdiff);
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("method", method());
        d.put("dim", dim);
        d.put("bits", bits);
        d.put("code_bytes", codeBytes());
        return d;
    }
}
