package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.testing.Cli;
import dev.sluice.testing.ScaledFlights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs in a child cgroup with a memory limit, as a container runs them (probe-rows, pack, compress): without
 * --memory-limit the budget comes from the cgroup, and each job finishes without the kernel's OOM killer. cgroup v2 ({@code memory.max}) where
 * this process may create a child group, else v1 ({@code memory.limit_in_bytes}); skipped with the reason when
 * neither is allowed (not root, no memory controller, a read-only /sys/fs/cgroup).
 */
class CgroupBudgetTest {
    static final long LIMIT = 700L << 20;
    static final int COPIES = 10; // 1.05M measurements

    @TempDir
    Path tmp;

    /** A child group with a memory limit: its directory, the file that takes a pid, and where OOM kills show. */
    record Group(Path dir, Path procs, Path events, String version) {}

    static Group create(String name) {
        List<String> reasons = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] p = line.split(":", 3);
                try {
                    if (p[0].equals("0") && p[1].isEmpty()) {
                        Path parent = Path.of("/sys/fs/cgroup", p[2]).normalize();
                        if (!Files.readString(parent.resolve("cgroup.controllers")).contains("memory")) {
                            reasons.add("cgroup v2 at " + parent + " has no memory controller");
                            continue;
                        }
                        Files.writeString(parent.resolve("cgroup.subtree_control"), "+memory");
                        Path dir = Files.createDirectory(parent.resolve(name));
                        Files.writeString(dir.resolve("memory.max"), Long.toString(LIMIT));
                        return new Group(dir, dir.resolve("cgroup.procs"), dir.resolve("memory.events"), "v2");
                    }
                    if (List.of(p[1].split(",")).contains("memory")) {
                        Path dir = Files.createDirectory(Path.of("/sys/fs/cgroup/memory", p[2], name).normalize());
                        Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(LIMIT));
                        return new Group(dir, dir.resolve("cgroup.procs"), dir.resolve("memory.oom_control"), "v1");
                    }
                } catch (IOException | RuntimeException e) {
                    reasons.add(line + ": " + e);
                }
            }
        } catch (IOException e) {
            reasons.add("/proc/self/cgroup: " + e);
        }
        Assumptions.abort("no child cgroup with a memory limit can be made here, skipped: " + reasons);
        return null;
    }

    @Test
    void budgetFollowsTheCgroupAndTheJobIsNotOomKilled() throws Exception {
        Group g = create("sluice-test-" + ProcessHandle.current().pid());
        try {
            Path input = ScaledFlights.make(tmp, COPIES);
            Map<String, Object> record = runIn(g, "probe-rows", "128m", List.of("--input", input.toString(), "--key",
                    "route", "--time", "date", "--workers", "2"));
            assertEquals(COPIES * 104_991L, ((Number) record.get("rows_in")).longValue());
            // compress and pack with the heap the launcher gives them in a container (20% and 22% of its limit).
            Path text = Cli.project().resolve("data-samples/text/debian-texts.jsonl");
            Map<String, Object> packed = runIn(g, "pack", "154m", List.of("--input", text.toString(), "--seq-len",
                    "512", "--workers", "2"));
            assertEquals(15_645L, ((Number) packed.get("rows_in")).longValue());
            Path base = Cli.project().resolve("data-samples/embeddings/base.npy");
            Map<String, Object> codes = runIn(g, "compress", "140m", List.of("--input", base.toString(), "--method",
                    "pq", "--m", "16", "--workers", "2"));
            assertEquals(2_500L, ((Number) codes.get("rows_out")).longValue());
        } finally {
            Files.deleteIfExists(g.dir()); // rmdir of a cgroup with no process left
        }
    }

    /**
     * Runs {@code job} in the group with the given heap and no --memory-limit: the budget must be the group's,
     * the job finish with no OOM kill and its peak RSS stay under the limit. Returns the job's run record.
     */
    private Map<String, Object> runIn(Group g, String job, String heap, List<String> options) throws Exception {
        Path out = tmp.resolve(job + "-out");
        List<String> args = new ArrayList<>(List.of(job));
        args.addAll(options);
        args.addAll(List.of("--progress", "none", "--tmp-dir", tmp.toString(), "--out", out.toString()));
        List<String> java = Cli.childJvm(heap, args).command();
        // The shell joins the group, then becomes the JVM: every byte the job touches is charged to it.
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"",
                g.procs().toString()));
        cmd.addAll(java);
        Path logFile = tmp.resolve(job + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String log = Files.readString(logFile);
        assertEquals(0, p.exitValue(), job + " in cgroup " + g.version() + " " + g.dir() + "\n" + log);
        assertTrue(log.contains("memory budget 444 MB (cgroup limit"), "700 MB less the 256 MB reserve:\n" + log);
        String events = Files.readString(g.events());
        assertTrue(events.matches("(?s).*oom_kill 0\\b.*"), "no OOM kill in " + g.events() + ":\n" + events);
        Map<String, Object> record;
        try (Stream<Path> s = Files.list(out.resolve("_runs"))) {
            record = Json.read(s.findFirst().orElseThrow());
        }
        long peak = ((Number) record.get("rss_peak_bytes")).longValue();
        assertTrue(peak < LIMIT, job + ": peak RSS " + (peak >> 20) + " MB under the cgroup's 700 MB");
        System.out.printf("cgroup %s %s: %s, budget 444 MB, peak RSS %d MB, no OOM kill%n", g.version(), g.dir(),
                job, peak >> 20);
        return record;
    }
}
