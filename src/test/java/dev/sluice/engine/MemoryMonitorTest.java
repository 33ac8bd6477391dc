package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The memory over time a run record keeps: bounded however long the run, its peak kept, its stages timed. */
class MemoryMonitorTest {
    @Test
    void aLongRunKeepsAtMostMaxSamplesAndItsPeak() {
        try (MemoryMonitor m = new MemoryMonitor(1L << 30)) {
            long spike = 1L << 40;
            // Ten hours of 50 ms samples, one spike in the middle.
            for (int i = 0; i < 720_000; i++) {
                m.keep(i == 400_000 ? spike : 100L << 20);
                m.rowsDone(i);
            }
            List<MemoryMonitor.Sample> s = m.samples();
            assertTrue(s.size() <= MemoryMonitor.MAX_SAMPLES && s.size() >= MemoryMonitor.MAX_SAMPLES / 4,
                    "kept " + s.size());
            assertEquals(spike, s.stream().mapToLong(MemoryMonitor.Sample::rssBytes).max().orElseThrow(),
                    "a point stands for the highest sample it thinned");
            for (int i = 1; i < s.size(); i++) {
                assertTrue(s.get(i).seconds() >= s.get(i - 1).seconds() && s.get(i).rows() >= s.get(i - 1).rows());
            }
            assertEquals(1L << 30, m.budgetBytes());
        }
    }

    @Test
    void rowsOnlyRiseAndStagesKnowWhenTheyBegan() throws Exception {
        try (MemoryMonitor m = new MemoryMonitor()) {
            m.stage("a");
            Thread.sleep(120);
            m.rowsDone(10);
            m.rowsDone(5); // a worker that reports late
            m.stage("b");
            Thread.sleep(120);
            List<MemoryMonitor.Stage> stages = m.stages();
            assertEquals(2, stages.size());
            assertTrue(stages.get(1).startMillis() >= stages.get(0).startMillis() + 100, stages.toString());
            assertTrue(m.samples().size() >= 2, "sampled every 50 ms");
            assertEquals(10, m.samples().getLast().rows());
        }
    }
}
