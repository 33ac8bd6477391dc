package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupStoreTest {
    @TempDir
    Path tmp;

    @Test
    void findsEveryHashAcrossSpilledAndMergedSegments() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        Set<Long> truth = new HashSet<>();
        // A 1,000-hash buffer over 30,000 draws spills about 20 segments and merges them.
        try (DedupStore store = DedupStore.temporary(tmp.resolve("d"), 1000)) {
            for (int i = 0; i < 30_000; i++) {
                long h = r.nextInt(4) == 0 && !truth.isEmpty() ? r.nextLong(20_000) : r.nextLong();
                DedupStore.Seen seen = store.add(h);
                assertEquals(truth.add(h), seen == DedupStore.Seen.NEW, "hash " + h + ", seed " + seed);
            }
            assertEquals(truth.size(), store.added(), "seed " + seed);
        }
        assertTrue(Files.notExists(tmp.resolve("d")), "a temporary store is deleted");
    }

    @Test
    void committedHashesAreSeenByTheNextRunAndUncommittedOnesAreNot() {
        Path dir = tmp.resolve("store");
        try (DedupStore s = DedupStore.open(dir, 100)) {
            for (long h = -500; h < 500; h++) {
                assertEquals(DedupStore.Seen.NEW, s.add(h * 7919));
            }
            s.commit();
        }
        try (DedupStore s = DedupStore.open(dir, 100)) {
            assertEquals(1000, s.storedBefore());
            assertEquals(DedupStore.Seen.IN_STORE, s.add(0));
            assertEquals(DedupStore.Seen.IN_STORE, s.add(-500 * 7919));
            assertEquals(DedupStore.Seen.NEW, s.add(1));
            assertEquals(DedupStore.Seen.IN_RUN, s.add(1));
            for (long h = 10_000; h < 10_500; h++) {
                s.add(h);
            }
            // no commit: this run failed
        }
        try (DedupStore s = DedupStore.open(dir, 100)) {
            assertEquals(1000, s.storedBefore());
            assertEquals(DedupStore.Seen.NEW, s.add(1));
            assertEquals(DedupStore.Seen.NEW, s.add(10_000));
        }
    }
}
