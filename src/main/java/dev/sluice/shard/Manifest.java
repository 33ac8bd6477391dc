package dev.sluice.shard;

import dev.sluice.engine.Install;
import dev.sluice.engine.Json;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code OUT/_manifest.json}: the job, its parameters, the software version, and every shard with rows,
 * bytes and CRC-32C. It holds nothing that varies between runs of the same plan (no times, no hosts),
 * so two runs of the same input and parameters write the same manifest.
 */
public final class Manifest {
    private Manifest() {}

    /** What a manifest says of the output it lists. */
    public record Written(int units, List<Shard> shards, Map<String, Object> totals) {}

    /** Gathers the committed units of a plan, in unit order, and writes the manifest. */
    public static Written write(OutputDir out, Plan plan, Map<String, Object> totals) {
        int units = plan.units();
        List<Shard> shards = new ArrayList<>();
        Map<String, long[]> perSplit = new TreeMap<>();
        for (int u = 0; u < units; u++) {
            List<Shard> committed = out.committedShards(u);
            if (committed == null) {
                throw SluiceException.internal("unit " + u + " has no committed shards at manifest time", null);
            }
            for (Shard s : committed) {
                shards.add(s);
                String split = s.path().substring(0, s.path().indexOf('/'));
                long[] t = perSplit.computeIfAbsent(split, k -> new long[3]);
                t[0]++;
                t[1] += s.rows();
                t[2] += s.bytes();
            }
        }
        Map<String, Object> splits = new LinkedHashMap<>();
        perSplit.forEach((k, t) -> splits.put(k, Map.of("shards", t[0], "rows", t[1], "bytes", t[2])));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "sluice-manifest/1");
        m.put("version", Version.get());
        m.put("job", plan.job());
        m.put("parameters", plan.parameters());
        m.put("units", units);
        m.put("splits", splits);
        m.put("totals", totals);
        m.put("shards", shards.stream().map(Shard::toJson).toList());
        Json.writeAtomically(out.path().resolve(OutputDir.MANIFEST), m);
        out.deleteScratch();
        return new Written(units, shards, totals);
    }

    /**
     * Writes the manifest of a job whose totals are its plan's input totals plus the sums of the counts each
     * unit recorded. A single process and a merge of shard tasks call this alike, so both write the same bytes.
     */
    public static Written writeFromUnits(OutputDir out, Plan plan) {
        Map<String, Object> totals = new LinkedHashMap<>(plan.inputTotals());
        Map<String, Long> sums = new TreeMap<>();
        for (int u = 0; u < plan.units(); u++) {
            out.unitRecord(u).counts().forEach((k, v) -> sums.merge(k, v, Long::sum));
        }
        sums.forEach(totals::putIfAbsent);
        return write(out, plan, totals);
    }

    /** The totals of the manifest in {@code dir}, for a rerun that finds its output complete. */
    @SuppressWarnings("unchecked")
    public static Written read(Path dir) {
        Map<String, Object> m = Json.read(dir.resolve(OutputDir.MANIFEST));
        return new Written(((Number) m.get("units")).intValue(), shardsOf(m), (Map<String, Object>) m.get("totals"));
    }

    @SuppressWarnings("unchecked")
    private static List<Shard> shardsOf(Map<String, Object> manifest) {
        List<Shard> out = new ArrayList<>();
        for (Object o : (List<Object>) manifest.get("shards")) {
            out.add(Shard.fromJson((Map<String, Object>) o));
        }
        return out;
    }

    /**
     * Checks that every unit of the plan is committed, each once, with whole shards (each of the size its
     * task recorded, see {@link OutputDir#committedShards}; with {@code checksums}, also of its CRC-32C,
     * which reads every byte), and that no other shard lies in the output; returns the problems, naming the
     * units and files.
     */
    public static List<String> checkUnits(OutputDir out, Plan plan, JobSpec.Ownership ownership,
                                          boolean checksums) {
        int units = plan.units();
        List<String> problems = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        Set<String> owned = new HashSet<>();
        List<Map.Entry<Integer, Shard>> claimed = new ArrayList<>();
        for (int u = 0; u < units; u++) {
            List<Shard> shards = out.committedShards(u);
            if (shards == null) {
                missing.add(u);
                continue;
            }
            for (Shard s : shards) {
                claimed.add(Map.entry(u, s));
                if (!owned.add(s.path())) {
                    problems.add("shard " + s.path() + " is claimed by two units");
                }
            }
        }
        if (checksums) {
            // Reading the shards back is most of such a merge's time: on every core, problems in unit order.
            claimed.parallelStream().map(e -> checksumProblem(out, e.getKey(), e.getValue()))
                    .filter(Objects::nonNull).forEachOrdered(problems::add);
        }
        if (!missing.isEmpty()) {
            problems.add(String.format(Locale.ROOT, "%d of %d unit(s) not committed: %s; %s", missing.size(), units,
                    abbreviate(missing), whoReruns(out, plan.job(), ownership, missing, units)));
        }
        try (var files = Files.walk(out.path())) {
            files.filter(p -> p.toString().endsWith(".parquet")).map(p -> out.path().relativize(p).toString())
                    .filter(rel -> !rel.startsWith("_") && !rel.startsWith(".") && !owned.contains(rel)).sorted()
                    .forEach(rel -> problems.add("shard " + rel + " belongs to no committed unit (a duplicate or a "
                            + "leftover of another run); remove it"));
        } catch (IOException e) {
            problems.add("cannot list " + out.path() + ": " + e.getMessage());
        }
        return problems;
    }

    /**
     * Which shard tasks to rerun for the missing units: the task count comes from the run records of the tasks
     * that did run (a killed task leaves none, its siblings do), the owners from the job's rule (compress: one run
     * of consecutive units per task; the others: units in turn, see {@link JobSpec.Ownership}).
     */
    private static String whoReruns(OutputDir out, String job, JobSpec.Ownership ownership, List<Integer> missing,
                                    int units) {
        Set<Integer> counts = new TreeSet<>();
        try (var records = Files.list(out.path().resolve(RunRecord.DIR))) {
            for (Path f : records.filter(f -> f.toString().endsWith(".json")).toList()) {
                Object shard = Json.read(f).get("shard");
                if (shard instanceof String text && !text.equals("0/1")) {
                    counts.add(ShardSpec.parse(text).count());
                }
            }
        } catch (IOException | RuntimeException e) {
            counts.clear(); // no records to go by: say the rule instead
        }
        if (counts.size() != 1) {
            return "rerun the run or the shard task(s) that own them (the same options), then merge again";
        }
        int n = counts.iterator().next();
        Set<Integer> tasks = new TreeSet<>();
        for (int u : missing) {
            for (int i = 0; i < n; i++) {
                ShardSpec task = new ShardSpec(i, n);
                if (ownership.owns(task, u, units)) {
                    tasks.add(i);
                }
            }
        }
        String ids = String.join(",", tasks.stream().map(String::valueOf).toList());
        // The template's path as this installation has it, so that the line runs from any directory.
        Path template = Install.home().resolve("scripts/slurm/task.sbatch").toAbsolutePath()
                .normalize();
        return String.format(Locale.ROOT, "they belong to shard task(s) %s of %d: rerun those with the same options "
                + "(--shard I/%d; on Slurm: SLUICE_SHARD_COUNT=%d sbatch --array=%s --mem=<the tasks' --mem> %s %s "
                + "...), then merge again", ids.replace(",", ", "), n, n, n, ids, template, job);
    }

    private static String checksumProblem(OutputDir out, int unit, Shard s) {
        try {
            return Shard.checksum(out.path().resolve(s.path())).equals(s.crc32c()) ? null
                    : "unit " + unit + ": shard " + s.path() + " has another checksum than its record";
        } catch (IOException e) {
            return "unit " + unit + ": cannot read shard " + s.path() + ": " + e.getMessage();
        }
    }

    private static String abbreviate(List<Integer> units) {
        List<String> s = units.stream().limit(20).map(String::valueOf).toList();
        return String.join(", ", s) + (units.size() > 20 ? ", ..." : "");
    }

    /** Checks every listed shard against the files: present, same size, same checksum; and no strays. */
    public static List<String> verify(Path dir) {
        Path file = dir.resolve(OutputDir.MANIFEST);
        List<String> problems = new ArrayList<>();
        if (!Files.exists(file)) {
            problems.add("no " + OutputDir.MANIFEST + " in " + dir + ": the run did not finish (rerun it to resume)");
            return problems;
        }
        List<Shard> shards = shardsOf(Json.read(file));
        Set<String> listed = new HashSet<>();
        for (Shard s : shards) {
            listed.add(s.path());
            Path p = dir.resolve(s.path());
            try {
                if (!Files.exists(p)) {
                    problems.add("missing shard " + s.path());
                } else if (Files.size(p) != s.bytes()) {
                    problems.add(String.format(Locale.ROOT, "shard %s has %d bytes, manifest says %d", s.path(),
                            Files.size(p), s.bytes()));
                } else if (!Shard.checksum(p).equals(s.crc32c())) {
                    problems.add(String.format(Locale.ROOT, "shard %s has CRC-32C %s, manifest says %s", s.path(),
                            Shard.checksum(p), s.crc32c()));
                }
            } catch (IOException e) {
                problems.add("cannot read shard " + s.path() + ": " + e.getMessage());
            }
        }
        try (var files = Files.walk(dir)) {
            files.filter(p -> p.toString().endsWith(".parquet"))
                    .map(p -> dir.relativize(p).toString())
                    .filter(rel -> !rel.startsWith("_") && !rel.startsWith(".") && !listed.contains(rel))
                    .sorted()
                    .forEach(rel -> problems.add("shard " + rel + " is not listed in the manifest"));
        } catch (IOException e) {
            problems.add("cannot list " + dir + ": " + e.getMessage());
        }
        return problems;
    }
}
