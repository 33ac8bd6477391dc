package dev.sluice.shard;

import dev.sluice.engine.Json;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.ShardSpec;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A job's output directory: the lock that keeps a second run out, the plan that a rerun must match,
 * the per-unit commit records a rerun skips by, and the final manifest.
 *
 * <pre>
 * OUT/_plan.json            job, parameters and work units; fixed by the first run
 * OUT/_units/unit-NNNNN.json  one per finished unit: its shards (the unit's commit point)
 * OUT/_manifest.json        written last, when every unit is committed
 * OUT/_runs/*.json          one record per run
 * OUT/_scratch/             what shard tasks share while they run (removed with the manifest)
 * </pre>
 */
public final class OutputDir implements AutoCloseable {
    public static final String MANIFEST = "_manifest.json";
    public static final String PLAN = "_plan.json";
    public static final String UNITS = "_units";
    public static final String SCRATCH = "_scratch";

    private final Path dir;
    private final OutputLock lock;

    private OutputDir(Path dir, OutputLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    /** Creates (or reopens) the directory and takes its lock, or says who holds it. */
    public static OutputDir open(Path dir) {
        return open(dir, ShardSpec.WHOLE);
    }

    /**
     * As {@link #open(Path)} for one shard task: the tasks of one job write into one directory at once,
     * while a second copy of the same task, or a whole run, cannot (see {@link OutputLock}).
     */
    public static OutputDir open(Path dir, ShardSpec shard) {
        return open(dir, shard, Duration.ZERO, m -> {});
    }

    /**
     * As {@link #open(Path, ShardSpec)}, waiting up to {@code wait} for another copy of the same task to end
     * ({@code SLUICE_TASK_LOCK_WAIT} seconds for the jobs: the container entrypoint sets it), telling
     * {@code waiting} that it does.
     */
    public static OutputDir open(Path dir, ShardSpec shard, Duration wait, Consumer<String> waiting) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw SluiceException.usage("--out " + dir + " is a file, not a directory; give a directory path");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw SluiceException.cannotWrite("output directory " + dir, e);
        }
        try {
            return new OutputDir(dir, OutputLock.take(dir, shard, wait, waiting));
        } catch (IOException e) {
            throw SluiceException.resource("cannot lock output directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code SLUICE_TASK_LOCK_WAIT}: seconds a shard task waits for another copy of itself to end (0: none). */
    public static Duration taskLockWait(Map<String, String> env) {
        String v = env.get("SLUICE_TASK_LOCK_WAIT");
        if (v == null || v.isBlank()) {
            return Duration.ZERO;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v.strip())));
        } catch (NumberFormatException e) {
            throw SluiceException.usage("SLUICE_TASK_LOCK_WAIT must be whole seconds, got '" + v + "'");
        }
    }

    public Path path() {
        return dir;
    }

    /** Waits for the other shard tasks of this output to finish planning, then plans alone (see {@link PlanLock}). */
    public PlanLock planLock(java.util.function.Consumer<String> waiting) {
        return PlanLock.take(dir, waiting);
    }

    /** Where shard tasks keep what they share while the job runs, e.g. a prepared copy of the input. */
    public Path scratch() {
        return dir.resolve(SCRATCH);
    }

    /**
     * {@link #scratch()}, made if missing and cleared of temporary files, ready for a file shared by the tasks:
     * call it under the planning lock, where nobody else writes there, so a temporary file is a killed writer's.
     */
    public Path scratchForWriting() {
        Path scratch = scratch();
        TempDirs.create(scratch, "--out");
        try (Stream<Path> left = Files.list(scratch)) {
            for (Path p : left.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw SluiceException.cannotWrite(scratch, e);
        }
        return scratch;
    }

    /** Removes {@link #scratch()} once the output is final. */
    void deleteScratch() {
        TempDirs.deleteTree(scratch());
    }

    /**
     * Fixes the plan for this directory. A new directory takes {@code plan}; one that already has a plan
     * (a rerun after a kill, or another shard task) keeps its own if the job, parameters and inputs match, and
     * refuses otherwise, naming what differs.
     */
    public Plan fixPlan(Plan plan) {
        removeDeadPlanFiles();
        Path file = dir.resolve(PLAN);
        if (Files.exists(file)) {
            Plan old = readPlan();
            Map<String, Object> was = old.identity();
            Map<String, Object> now = plan.identity();
            for (String key : now.keySet()) {
                if (!Objects.equals(Json.toString(was.get(key)), Json.toString(now.get(key)))) {
                    throw SluiceException.usage(String.format(Locale.ROOT,
                            "%s already holds output of a run with other %s%s:%n  there: %s%n  now:   %s%n"
                                    + "choose another --out, or delete %s to start over",
                            dir, key, differences(was.get(key), now.get(key)), Json.toString(was.get(key)),
                            Json.toString(now.get(key)), dir));
                }
            }
            return old;
        }
        if (hasOtherFiles()) {
            if (Files.exists(file)) {
                return fixPlan(plan); // another shard task's plan landed since the check above
            }
            throw SluiceException.usage("--out " + dir + " is not empty and holds no sluice plan; "
                    + "choose an empty or new directory");
        }
        // Shard tasks start together: the first plan to land wins (a hard link fails if the name exists),
        // and every task then works from the plan in the file.
        Path tmp = dir.resolve(".plan-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".tmp");
        Json.writeAtomically(tmp, plan.toJson());
        try {
            Files.createLink(file, tmp);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return fixPlan(plan);
        } catch (IOException | UnsupportedOperationException e) {
            try {
                Files.move(tmp, file);
            } catch (IOException e2) {
                if (Files.exists(file)) {
                    return fixPlan(plan);
                }
                throw SluiceException.cannotWrite(file, e2);
            }
        } finally {
            TempDirs.deleteTree(tmp);
        }
        return readPlan();
    }

    /**
     * Temporary files named by the process that writes them: planning files beside the plan (plan, key table,
     * pack's unit count) and run records in {@code _runs} ({@code <time>-<pid>-<id>.json}).
     */
    private static final Pattern PROCESS_TMP = Pattern.compile(
            "\\.+(?:plan|pack-units|_keys\\.parquet)-(\\d+)(?:-\\d+)?\\.tmp(?:\\.tmp)?"
                    + "|\\.\\d{8}T\\d{6}-(\\d+)-[0-9a-f]+\\.json\\.tmp");

    /**
     * Removes the temporary files of processes that are gone: a run killed while it wrote its plan, key table,
     * unit count or run record. Shard tasks run at once, so only a dead writer's files may go.
     */
    private void removeDeadPlanFiles() {
        for (Path d : List.of(dir, dir.resolve(RunRecord.DIR))) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : s.toList()) {
                    Matcher m = PROCESS_TMP.matcher(p.getFileName().toString());
                    if (m.matches() && ProcessHandle.of(Long.parseLong(
                            m.group(1) != null ? m.group(1) : m.group(2))).isEmpty()) {
                        Files.deleteIfExists(p);
                    }
                }
            } catch (IOException e) {
                throw SluiceException.cannotWrite(d, e);
            }
        }
    }

    /** The plan of this directory ({@link #PLAN}). */
    public Plan readPlan() {
        return Plan.fromJson(Json.read(dir.resolve(PLAN)));
    }

    /** The names of the entries of two JSON objects that differ: " (--seed, --max-len)", or "" if not objects. */
    private static String differences(Object was, Object now) {
        if (!(was instanceof Map<?, ?> a) || !(now instanceof Map<?, ?> b)) {
            return "";
        }
        java.util.TreeSet<String> keys = new java.util.TreeSet<>();
        a.keySet().forEach(k -> keys.add(String.valueOf(k)));
        b.keySet().forEach(k -> keys.add(String.valueOf(k)));
        List<String> differ = keys.stream()
                .filter(k -> !Objects.equals(Json.toString(a.get(k)), Json.toString(b.get(k))))
                .map(k -> "--" + k.replace('_', '-')).toList();
        return differ.isEmpty() ? "" : " (" + String.join(", ", differ) + ")";
    }

    private boolean hasOtherFiles() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .anyMatch(n -> !n.startsWith(OutputLock.NAME) && !n.equals(RunRecord.DIR) && !n.endsWith(".tmp"));
        } catch (IOException e) {
            return false;
        }
    }

    private Path unitFile(int unit) {
        return dir.resolve(UNITS).resolve(String.format(Locale.ROOT, "unit-%05d.json", unit));
    }

    private static final Pattern UNIT_FILE = Pattern.compile("unit-(\\d+)\\.json");

    /** The units of output {@code dir} that have a record (their shards unchecked), in no order. */
    public static List<Integer> recordedUnits(Path dir) {
        Path units = dir.resolve(UNITS);
        if (!Files.isDirectory(units)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(units)) {
            return files.map(f -> UNIT_FILE.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .map(m -> Integer.parseInt(m.group(1))).toList();
        } catch (IOException e) {
            throw SluiceException.resource("cannot list " + units + ": " + e.getMessage(), e);
        }
    }

    /**
     * The shards of a committed unit, or null when the unit must be (re)done: no record, or a shard
     * missing or of another size (a half-finished earlier attempt).
     */
    public List<Shard> committedShards(int unit) {
        Path file = unitFile(unit);
        if (!Files.exists(file)) {
            return null;
        }
        List<Shard> shards = UnitRecord.fromJson(Json.read(file)).shards();
        for (Shard s : shards) {
            Path p = dir.resolve(s.path());
            try {
                if (!Files.exists(p) || Files.size(p) != s.bytes()) {
                    return null;
                }
            } catch (IOException e) {
                return null;
            }
        }
        return shards;
    }

    /**
     * As {@link #committedShards}, but reads every shard back and compares its CRC-32C with the record: what a
     * resume checks before it skips a unit, so that a shard damaged after its commit (a flipped byte, a torn write)
     * is made again rather than listed in a manifest it does not match. Says which shard failed through
     * {@code damaged}.
     */
    public List<Shard> verifiedShards(int unit, Consumer<String> damaged) {
        List<Shard> shards = committedShards(unit);
        if (shards == null) {
            return null;
        }
        for (Shard s : shards) {
            try {
                if (!Shard.checksum(dir.resolve(s.path())).equals(s.crc32c())) {
                    damaged.accept(String.format(Locale.ROOT, "unit %d: shard %s does not match the CRC-32C of its "
                            + "commit record; the unit is made again", unit, s.path()));
                    return null;
                }
            } catch (IOException e) {
                damaged.accept("unit " + unit + ": cannot read shard " + s.path() + " (" + e.getMessage()
                        + "); the unit is made again");
                return null;
            }
        }
        return shards;
    }

    /** Records that a unit's shards are all in place; written after the shards themselves. */
    public void commitUnit(int unit, List<Shard> shards, Map<String, Long> counts) {
        Json.writeAtomically(unitFile(unit), new UnitRecord(unit, shards, counts).toJson());
    }

    public UnitRecord unitRecord(int unit) {
        return UnitRecord.fromJson(Json.read(unitFile(unit)));
    }

    /** Removes temporary files a killed run left behind. */
    public void removeTemporaryFiles() {
        removeTemporaryFiles(unit -> true, true);
    }

    private static final java.util.regex.Pattern UNIT_TMP =
            java.util.regex.Pattern.compile("\\.(?:part-|unit-)(\\d+)[-.].*\\.tmp");

    /**
     * Removes the temporary files of the units {@code mine} accepts (shards and unit records a killed
     * attempt left), and others such as a half-written manifest only when {@code all}: a shard task must
     * not delete what the other tasks are writing at the same moment.
     */
    public void removeTemporaryFiles(java.util.function.IntPredicate mine, boolean all) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
                java.util.regex.Matcher m = UNIT_TMP.matcher(p.getFileName().toString());
                if (m.matches() ? mine.test(Integer.parseInt(m.group(1))) : all) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw SluiceException.resource("cannot clean " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        lock.close();
    }
}
