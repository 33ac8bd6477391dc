package dev.sluice.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.engine.ShardSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard tasks that start together all take the one plan: a task that finds no plan, while another's plan and its
 * first files land, does not mistake them for someone else's files.
 */
class PlanRaceTest {
    @TempDir
    Path tmp;

    @Test
    void tasksStartingTogetherShareOnePlan() throws Exception {
        int tasks = 4;
        ExecutorService threads = Executors.newFixedThreadPool(tasks);
        try {
            for (int round = 0; round < 300; round++) {
                Path dir = tmp.resolve("out-" + round);
                CyclicBarrier start = new CyclicBarrier(tasks);
                List<Future<Plan>> fixed = new ArrayList<>();
                for (int t = 0; t < tasks; t++) {
                    ShardSpec shard = new ShardSpec(t, tasks);
                    Plan mine = Plan.of("test", Map.of("seed", 7), List.of("input"));
                    fixed.add(threads.submit(() -> {
                        try (OutputDir out = OutputDir.open(dir, shard)) {
                            start.await();
                            Plan plan = out.fixPlan(mine);
                            // What a task writes first once it has the plan.
                            Files.createDirectories(dir.resolve(OutputDir.UNITS));
                            return plan;
                        }
                    }));
                }
                Plan first = fixed.get(0).get();
                for (Future<Plan> f : fixed) {
                    assertEquals(first, f.get(), "round " + round);
                }
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
