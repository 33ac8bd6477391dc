package dev.sluice.knn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.WarmUp;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ScanWarmUpTest {
    @Test
    void buildsScorersAndScansUntilClosedThenNoMore() throws Exception {
        AtomicInteger scorers = new AtomicInteger();
        AtomicInteger scanned = new AtomicInteger();
        WarmUp warmUp = ScanWarmUp.start((query, off) -> {
            assertEquals(24, query.length);
            scorers.incrementAndGet();
            return (codes, o, count, out) -> scanned.addAndGet(count);
        }, 24, 8);
        long until = System.nanoTime() + 5_000_000_000L;
        while (scorers.get() < 3 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        warmUp.close();
        int after = scanned.get();
        assertTrue(scorers.get() >= 3, "scorers built: " + scorers.get());
        assertEquals(0, after % (CodeSearch.CODE_BATCH / 4), "whole batches scanned");
        Thread.sleep(50);
        assertEquals(after, scanned.get(), "no scan after close");
        warmUp.close();
    }
}
