package dev.sluice.quant;

import dev.sluice.knn.CodeScorer;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * A trained vector quantizer: fixed-size codes, decoding, and per-query asymmetric distances (the query stays
 * in floats, the base is codes). Implementations are immutable once trained and safe to share between threads.
 */
public interface Quantizer {
    /** "pq", "opq", "sq8", "sq4", "rabitq" or "saq". */
    String method();

    int dim();

    /** Bytes of one code. */
    int codeBytes();

    /** Encodes the vector at {@code v[off..off+dim)} into {@code dest[destOff..destOff+codeBytes)}. */
    void encodeTo(float[] v, int off, byte[] dest, int destOff);

    /**
     * Encodes the {@code n} vectors at {@code v[off..off+n*dim)} into {@code dest} from {@code destOff}, back to back;
     * the same codes as {@link #encodeTo} one by one, which quantizers may beat by sharing work across vectors.
     */
    default void encodeBatch(float[] v, int off, int n, byte[] dest, int destOff) {
        for (int i = 0; i < n; i++) {
            encodeTo(v, off + i * dim(), dest, destOff + i * codeBytes());
        }
    }

    /** Encodes one vector into a new array. */
    default byte[] encode(float[] v) {
        byte[] code = new byte[codeBytes()];
        encodeTo(v, 0, code, 0);
        return code;
    }

    /** The vector a code stands for, into {@code dest[destOff..destOff+dim)}. */
    void decode(byte[] codes, int off, float[] dest, int destOff);

    /** A query's scorer: tables or rotations computed once per query, then reused over all codes. */
    CodeScorer scorer(float[] query, int off);

    /** Squared L2 distance estimate between a query and one code. */
    default float distance(float[] query, byte[] code) {
        float[] out = new float[1];
        scorer(query, 0).distances(code, 0, 1, out);
        return out[0];
    }

    /** Writes the trained parameters (the method-specific body of the codebook file). */
    void writeBody(DataOutputStream out) throws IOException;

    /** Parameters for the manifest and run record. */
    java.util.Map<String, Object> describe();
}
