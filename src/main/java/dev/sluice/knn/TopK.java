package dev.sluice.knn;

/**
 * The k smallest distances seen so far, as a bounded max-heap: the worst kept candidate sits on top and a new
 * one costs O(log k) only when it beats it. Ties in distance go to the smaller id, so results do not depend
 * on the order in which candidates arrive.
 */
public final class TopK {
    private final int k;
    private final float[] dist;
    private final long[] ids;
    private int size;

    public TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        this.k = k;
        this.dist = new float[k];
        this.ids = new long[k];
    }

    /** True when (d, id) ranks after (d2, id2). */
    private static boolean worse(float d, long id, float d2, long id2) {
        return d > d2 || (d == d2 && id > id2);
    }

    /** The distance a candidate must beat to enter, +infinity while the heap is not full. */
    public float bound() {
        return size < k ? Float.POSITIVE_INFINITY : dist[0];
    }

    public void offer(float d, long id) {
        if (size < k) {
            int i = size++;
            dist[i] = d;
            ids[i] = id;
            while (i > 0) {
                int p = (i - 1) / 2;
                if (!worse(dist[i], ids[i], dist[p], ids[p])) {
                    break;
                }
                swap(i, p);
                i = p;
            }
            return;
        }
        if (!worse(dist[0], ids[0], d, id)) {
            return;
        }
        dist[0] = d;
        ids[0] = id;
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < k && worse(dist[l], ids[l], dist[m], ids[m])) {
                m = l;
            }
            if (r < k && worse(dist[r], ids[r], dist[m], ids[m])) {
                m = r;
            }
            if (m == i) {
                return;
            }
            swap(i, m);
            i = m;
        }
    }

    private void swap(int a, int b) {
        float d = dist[a];
        dist[a] = dist[b];
        dist[b] = d;
        long t = ids[a];
        ids[a] = ids[b];
        ids[b] = t;
    }

    /** How many it keeps. */
    public int k() {
        return k;
    }

    public int size() {
        return size;
    }

    /** The kept candidates, nearest first: fills {@code outIds} and {@code outDist} (length at least size()). */
    public void sorted(long[] outIds, float[] outDist) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> worse(dist[a], ids[a], dist[b], ids[b]) ? 1
                : worse(dist[b], ids[b], dist[a], ids[a]) ? -1 : 0);
        for (int i = 0; i < size; i++) {
            outIds[i] = ids[order[i]];
            outDist[i] = dist[order[i]];
        }
    }

    /**
     * The kept candidates, nearest first, as {@link #sorted} gives them, taken out of the heap (it is empty after):
     * no allocation, for callers that select once per row of a large table. Ids go to {@code outIds} from
     * {@code idsOffset}, distances to the start of {@code outDist}.
     */
    public int drainSorted(int[] outIds, int idsOffset, float[] outDist) {
        int n = size;
        while (size > 0) {
            int last = --size;
            outIds[idsOffset + last] = (int) ids[0];
            outDist[last] = dist[0];
            dist[0] = dist[last];
            ids[0] = ids[last];
            int i = 0;
            while (true) {
                int l = 2 * i + 1, r = l + 1, m = i;
                if (l < size && worse(dist[l], ids[l], dist[m], ids[m])) {
                    m = l;
                }
                if (r < size && worse(dist[r], ids[r], dist[m], ids[m])) {
                    m = r;
                }
                if (m == i) {
                    break;
                }
                swap(i, m);
                i = m;
            }
        }
        return n;
    }
}
