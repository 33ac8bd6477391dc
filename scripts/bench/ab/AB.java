import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * AB RUNNER_CLASSES JAR_A JAR_B CODES BASE QUERIES PASSES WORKERS: search passes of two builds alternating in one JVM
 * (each build's classes in a loader of its own, with {@link Runner} on top), and the ratio of each pair of passes.
 */
public class AB {
    public static void main(String[] arg) throws Exception {
        String runner = arg[0];
        String[] a = Arrays.copyOfRange(arg, 1, arg.length);
        DoubleSupplier[] side = new DoubleSupplier[2];
        for (int s = 0; s < 2; s++) {
            URLClassLoader l = new URLClassLoader(new URL[] {Path.of(runner).toUri().toURL(),
                    Path.of(a[s]).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            side[s] = (DoubleSupplier) l.loadClass("Runner").getConstructor(String.class, String.class, String.class,
                    Integer.class).newInstance(a[2], a[3], a[4], Integer.parseInt(a[6]));
        }
        int passes = Integer.parseInt(a[5]);
        double[][] qps = new double[2][passes];
        double[] ratio = new double[passes];
        for (int p = 0; p < passes; p++) {
            int first = p & 1;
            qps[first][p] = side[first].getAsDouble();
            qps[1 - first][p] = side[1 - first].getAsDouble();
            ratio[p] = qps[1][p] / qps[0][p];
        }
        int from = passes / 3;
        double[] ra = Arrays.copyOfRange(ratio, from, passes), qa = Arrays.copyOfRange(qps[0], from, passes),
                qb = Arrays.copyOfRange(qps[1], from, passes);
        Arrays.sort(ra);
        Arrays.sort(qa);
        Arrays.sort(qb);
        System.out.printf("A median %.0f max %.0f | B median %.0f max %.0f | B/A paired median %.3f"
                + " (quartiles %.3f-%.3f)%n", qa[qa.length / 2], qa[qa.length - 1], qb[qb.length / 2],
                qb[qb.length - 1], ra[ra.length / 2], ra[ra.length / 4], ra[ra.length * 3 / 4]);
    }
}
