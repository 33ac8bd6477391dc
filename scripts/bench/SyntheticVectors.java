import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Writes N x DIM float32 vectors as .npy for memory and scale checks where real embeddings of that size are not at
 * hand: 1,000 Gaussian cluster centres, each vector a centre plus Gaussian noise of a tenth of the spread, seeded.
 * Usage: java scripts/bench/SyntheticVectors.java OUT.npy N DIM [SEED]
 */
public final class SyntheticVectors {
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        long n = Long.parseLong(args[1]);
        int dim = Integer.parseInt(args[2]);
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 0;
        int centres = 1000;
        Random r = new Random(seed);
        float[] c = new float[centres * dim];
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) r.nextGaussian();
        }
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", " + dim + "), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        StringBuilder header = new StringBuilder(dict).repeat(" ", pad).append('\n');
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
            o.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
            o.write(h.length & 0xff);
            o.write(h.length >> 8);
            o.write(h);
            ByteBuffer row = ByteBuffer.allocate(4 * dim).order(ByteOrder.LITTLE_ENDIAN);
            SplittableRandom noise = new SplittableRandom(seed + 1);
            for (long i = 0; i < n; i++) {
                int k = noise.nextInt(centres);
                row.clear();
                for (int d = 0; d < dim; d++) {
                    // Box-Muller would be exact; a sum of uniforms is Gaussian enough for clusters and much faster.
                    double g = noise.nextDouble() + noise.nextDouble() + noise.nextDouble() - 1.5;
                    row.putFloat(c[k * dim + d] + (float) (0.2 * g));
                }
                o.write(row.array());
            }
        }
    }
}
