package dev.sluice.knn;

import java.util.HashSet;
import java.util.Set;

/** Recall of approximate neighbours against exact ones, averaged over queries. */
public final class Recall {
    private Recall() {}

    /** k-recall@k: the share of the true k nearest found among the returned k. */
    public static double atK(long[][] approx, long[][] truth, int k) {
        double sum = 0;
        for (int q = 0; q < truth.length; q++) {
            Set<Long> t = new HashSet<>();
            for (int i = 0; i < Math.min(k, truth[q].length); i++) {
                t.add(truth[q][i]);
            }
            int hit = 0;
            for (int i = 0; i < Math.min(k, approx[q].length); i++) {
                if (t.contains(approx[q][i])) {
                    hit++;
                }
            }
            sum += (double) hit / Math.max(1, t.size());
        }
        return sum / Math.max(1, truth.length);
    }

    /** 1-recall@k: the share of queries whose true nearest neighbour is among the returned k. */
    public static double oneAtK(long[][] approx, long[][] truth, int k) {
        int hit = 0;
        for (int q = 0; q < truth.length; q++) {
            for (int i = 0; i < Math.min(k, approx[q].length); i++) {
                if (truth[q].length > 0 && approx[q][i] == truth[q][0]) {
                    hit++;
                    break;
                }
            }
        }
        return (double) hit / Math.max(1, truth.length);
    }
}
