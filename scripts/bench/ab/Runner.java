import dev.sluice.io.CodeShards;
import dev.sluice.knn.CodeSearch;
import dev.sluice.knn.HeldCodes;
import dev.sluice.knn.Neighbors;
import dev.sluice.quant.CodesDir;
import dev.sluice.quant.Quantizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.DoubleSupplier;

/**
 * One build's side of {@code AB}: the base encoded by the quantizer of a compress output and held in memory as eval
 * holds codes; each call searches every query once (k = 10) and returns the queries per second.
 */
public class Runner implements DoubleSupplier {
    final Quantizer q;
    final float[] queries;
    final HeldCodes held;
    final int dim, nq, workers;
    public long check;

    static float[] npy(String p) throws Exception {
        byte[] b = Files.readAllBytes(Path.of(p));
        int hl = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        ByteBuffer bb = ByteBuffer.wrap(b, 10 + hl, b.length - 10 - hl).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[(b.length - 10 - hl) / 4];
        bb.asFloatBuffer().get(f);
        return f;
    }

    public Runner(String codesDir, String baseNpy, String queriesNpy, Integer workers) throws Exception {
        q = CodesDir.open(Path.of(codesDir)).quantizer();
        float[] base = npy(baseNpy);
        queries = npy(queriesNpy);
        dim = q.dim();
        int cb = q.codeBytes(), n = base.length / dim;
        nq = queries.length / dim;
        this.workers = workers;
        byte[] codes = new byte[n * cb];
        q.encodeBatch(base, 0, n, codes, 0);
        int[] at = {0};
        CodeShards.Source src = batch -> {
            int rows = Math.min(batch.ids.length, n - at[0]);
            if (rows <= 0) {
                return false;
            }
            System.arraycopy(codes, at[0] * cb, batch.codes, 0, rows * cb);
            for (int i = 0; i < rows; i++) {
                batch.ids[i] = at[0] + i;
            }
            batch.rows = rows;
            at[0] += rows;
            return true;
        };
        held = HeldCodes.read(src, n, cb);
    }

    @Override
    public double getAsDouble() {
        long t0 = System.nanoTime();
        Neighbors nb = CodeSearch.search(i -> q.scorer(queries, i * dim), nq, held, 10, workers);
        double qps = nq / ((System.nanoTime() - t0) / 1e9);
        long c = 0;
        for (long[] ids : nb.ids()) {
            for (long id : ids) {
                c = c * 31 + id;
            }
        }
        check = c;
        return qps;
    }
}
