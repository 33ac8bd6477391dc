package dev.sluice.quant;

import dev.sluice.engine.DuckSession;
import dev.sluice.engine.JobContext;
import dev.sluice.engine.MemoryBudget;
import dev.sluice.engine.MemoryMonitor;
import dev.sluice.engine.Progress;
import dev.sluice.engine.RunRecord;
import dev.sluice.engine.SluiceException;
import dev.sluice.engine.TempDirs;
import dev.sluice.io.VectorBatch;
import dev.sluice.io.VectorFiles;
import dev.sluice.io.VectorIo;
import dev.sluice.io.VectorReader;
import dev.sluice.io.VectorReaders;
import dev.sluice.shard.Manifest;
import dev.sluice.shard.OutputDir;
import dev.sluice.shard.Shard;
import dev.sluice.simd.Kernels;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * compress: train a quantizer on a reservoir sample drawn over the whole input, then encode the input in
 * batches on the worker pool, one code shard per batch.
 *
 * <p>The work units are the input's batches of {@code --batch-size} rows, in input order: unit {@code u} holds
 * rows {@code [u * batch, (u + 1) * batch)} whatever the worker count, so the shards are the same bytes for any
 * {@code --workers}. One thread reads (a stream, for Parquet), the workers encode and write; a fixed ring of
 * {@code workers + 1} batch buffers bounds the memory in flight. The codebook is written before any shard, so a
 * rerun after a kill reads it back instead of training again and encodes only the units not yet committed.
 */
public final class CompressJob {
    static final String SPLIT = "codes";
    static final String NPY_SPLIT = "npy";
    /** Training vectors used to report the reconstruction error at the end of training. */
    static final int MSE_SAMPLE = 10_000;

    private final CompressConfig config;
    private final JobContext ctx;

    public CompressJob(CompressConfig config, JobContext ctx) {
        this.config = config;
        this.ctx = ctx;
    }

    /** What a finished run produced. */
    public record Result(long rows, int dim, String method, int codeBytes, int units, int unitsRun,
                         double trainSeconds, double encodeVectorsPerSecond, double sampleMse) {}

    public Result run() {
        if (!ctx.shard().whole()) {
            throw SluiceException.usage("compress runs as one process; it does not split into shard tasks ("
                    + ctx.shard() + " from the scheduler's environment)");
        }
        MemoryBudget budget = MemoryBudget.detect(ctx.memoryLimit());
        ctx.log("compress: " + budget.describe() + "; kernels: " + Kernels.get().name());
        try (OutputDir out = OutputDir.open(config.out());
             MemoryMonitor memory = new MemoryMonitor()) {
            Path tmp = ctx.tmpDir().resolve("sluice-compress-" + ProcessHandle.current().pid());
            RunRecord record = null;
            // DuckDB only writes shards unless it also reads Parquet input: one thread each then, so that its
            // per-thread memory does not grow with the run.
            int duckThreads = VectorReaders.isParquet(config.input()) ? ctx.workers() : 1;
            try (DuckSession duck = new DuckSession(new DuckSession.Settings(budget.duckdbBytes(), duckThreads,
                    tmp.resolve("duckdb"), ctx.workers() * 2 + 2));
                 VectorIo io = new VectorIo(duck, budget.arrowBytes());
                 VectorReader reader = io.open(config.input(), config.column(), config.idColumn())) {
                memory.stage("plan");
                long n = reader.count();
                int dim = reader.dim();
                long unitsLong = (n + config.batchSize() - 1) / config.batchSize();
                if (unitsLong > 999_999) {
                    throw SluiceException.usage(String.format(Locale.ROOT,
                            "%,d vectors in batches of %,d make %,d work units; raise --batch-size", n,
                            config.batchSize(), unitsLong));
                }
                int units = (int) unitsLong;
                Map<String, Object> plan = new LinkedHashMap<>();
                plan.put("job", "compress");
                plan.put("parameters", config.parameters());
                plan.put("inputs", Map.of("describe", reader.describe(), "rows", n, "dim", dim));
                plan.put("units", units);
                plan = out.fixPlan(plan, List.of("job", "parameters", "inputs"));
                record = new RunRecord("compress", config.parameters());
                ctx.log(String.format(Locale.ROOT, "compress: %,d vectors of %d dimensions from %s; %d unit(s), "
                        + "%d worker(s)", n, dim, reader.describe(), units, ctx.workers()));
                out.removeTemporaryFiles();

                Path codebookFile = out.path().resolve(Codebook.FILE);
                Quantizer q;
                double trainSeconds = 0;
                double sampleMse;
                if (Files.exists(codebookFile)) {
                    q = Codebook.read(codebookFile);
                    ctx.log("compress: resuming with the codebook in " + codebookFile);
                    sampleMse = Double.NaN;
                } else {
                    memory.stage("sample");
                    int k = (int) Math.min(config.trainSize(), n);
                    float[] sample = reservoirSample(reader, k, config.seed());
                    memory.stage("train");
                    long t0 = System.nanoTime();
                    q = train(sample, k, dim);
                    trainSeconds = (System.nanoTime() - t0) / 1e9;
                    sampleMse = mse(q, sample, Math.min(k, MSE_SAMPLE), dim);
                    Codebook.write(q, codebookFile);
                    ctx.log(String.format(Locale.ROOT,
                            "compress: trained %s on %,d sampled vectors in %.1f s; %d bytes per code, "
                                    + "sample MSE %.5g", q.method(), k, trainSeconds, q.codeBytes(), sampleMse));
                }
                if (q.dim() != dim) {
                    throw SluiceException.usage(String.format(Locale.ROOT,
                            "%s holds a codebook for %d dimensions but the input has %d; choose another --out",
                            codebookFile, q.dim(), dim));
                }

                memory.stage("encode");
                long t0 = System.nanoTime();
                int run = encode(reader, q, io, out, units);
                double encodeSeconds = (System.nanoTime() - t0) / 1e9;
                double vps = n / Math.max(encodeSeconds, 1e-9);

                memory.stage("manifest");
                Map<String, Object> totals = new LinkedHashMap<>();
                totals.put("rows", n);
                totals.put("dim", dim);
                totals.put("quantizer", q.describe());
                totals.put("bytes_per_vector", q.codeBytes());
                totals.put("compression_ratio", 4.0 * dim / q.codeBytes());
                totals.put("codebook", Map.of("path", Codebook.FILE, "bytes", Files.size(codebookFile),
                        "crc32c", Shard.checksum(codebookFile)));
                Manifest.write(out, plan, units, totals);
                if (config.faiss() != null) {
                    memory.stage("faiss");
                    List<Path> shards = new ArrayList<>();
                    for (int u = 0; u < units; u++) {
                        out.committedShards(u).stream().map(Shard::path).filter(p -> p.endsWith(".parquet"))
                                .forEach(p -> shards.add(out.path().resolve(p)));
                    }
                    FaissExport.write(q, n, () -> io.codes(shards, q.codeBytes()),
                            config.faiss());
                    ctx.log("compress: wrote FAISS index " + config.faiss());
                }
                record.put("rows_out", n).put("units", units).put("units_run", run).put("dim", dim)
                        .put("quantizer", q.describe()).put("bytes_per_vector", q.codeBytes())
                        .put("compression_ratio", 4.0 * dim / q.codeBytes()).put("train_seconds", trainSeconds)
                        .put("encode_seconds", encodeSeconds).put("encode_vectors_per_second", vps)
                        .put("sample_mse", Double.isNaN(sampleMse) ? null : sampleMse)
                        .put("kernels", Kernels.get().name());
                record.finish(out.path(), "ok", memory, n);
                ctx.log(String.format(Locale.ROOT, "compress: encoded %,d vectors in %.1f s (%,.0f vectors/s) to %s",
                        n, encodeSeconds, vps, out.path()));
                ctx.log(memory.summary());
                return new Result(n, dim, q.method(), q.codeBytes(), units, run, trainSeconds, vps, sampleMse);
            } catch (IOException e) {
                throw SluiceException.resource("cannot write to " + out.path() + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                if (record != null) {
                    record.put("error", String.valueOf(e.getMessage()));
                    record.finish(out.path(), "failed", memory, 0);
                }
                throw e;
            } finally {
                TempDirs.deleteTree(tmp);
            }
        }
    }

    Quantizer train(float[] sample, int k, int dim) {
        int threads = ctx.workers();
        return switch (config.method()) {
            case "pq" -> ProductQuantizer.train(sample, k, dim, config.m(), config.nbits(), config.seed(), threads);
            case "opq" -> OpqQuantizer.train(sample, k, dim, config.m(), config.nbits(), config.seed(), threads);
            case "sq8" -> ScalarQuantizer.train(sample, k, dim, 8);
            case "sq4" -> ScalarQuantizer.train(sample, k, dim, 4);
            case "rabitq" -> RaBitQuantizer.train(sample, k, dim, config.bits(), config.seed());
            default -> throw new IllegalStateException(config.method());
        };
    }

    /**
     * Algorithm R over the whole stream: after row {@code i} each row seen so far is in the sample with the same
     * probability {@code k / (i + 1)}, so the sample does not favour the head of the input. Seeded: the same
     * input and seed give the same sample.
     */
    static float[] reservoirSample(VectorReader reader, int k, long seed) {
        int dim = reader.dim();
        float[] sample = new float[Math.multiplyExact(k, dim)];
        Random rnd = new Random(seed);
        VectorBatch b = reader.newBatch(8192);
        reader.rewind();
        long seen = 0;
        while (reader.next(b)) {
            for (int i = 0; i < b.rows; i++, seen++) {
                long slot = seen < k ? seen : rnd.nextLong(seen + 1);
                if (slot < k) {
                    System.arraycopy(b.data, i * dim, sample, (int) slot * dim, dim);
                }
            }
        }
        return sample;
    }

    /** Mean over vectors of the squared reconstruction error. */
    static double mse(Quantizer q, float[] data, int n, int dim) {
        byte[] code = new byte[q.codeBytes()];
        float[] rec = new float[dim];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            q.encodeTo(data, i * dim, code, 0);
            q.decode(code, 0, rec, 0);
            sum += Kernels.get().squareDistance(data, i * dim, rec, 0, dim);
        }
        return sum / Math.max(n, 1);
    }

    private int encode(VectorReader reader, Quantizer q, VectorIo io, OutputDir out, int units)
            throws IOException {
        int workers = ctx.workers();
        BlockingQueue<VectorBatch> free = new ArrayBlockingQueue<>(workers + 1);
        for (int i = 0; i <= workers; i++) {
            free.add(reader.newBatch(config.batchSize()));
        }
        ThreadLocal<byte[]> codeBuffers = ThreadLocal.withInitial(() -> new byte[config.batchSize() * q.codeBytes()]);
        ExecutorService pool = Executors.newFixedThreadPool(workers,
                Thread.ofPlatform().name("sluice-worker-", 0).factory());
        List<Future<?>> pending = new ArrayList<>();
        AtomicLong encoded = new AtomicLong();
        int run = 0;
        try (Progress progress = new Progress("compress", "units", "vectors", units, ctx.progress(), ctx.err(), 5000)) {
            reader.rewind();
            for (int u = 0; u < units; u++) {
                VectorBatch b = free.take();
                if (!reader.next(b)) {
                    throw SluiceException.input(String.format(Locale.ROOT,
                            "%s ended after %d of %d units: did the input change during the run?",
                            reader.describe(), u, units));
                }
                if (out.committedShards(u) != null) {
                    free.put(b);
                    progress.step(b.rows);
                    continue;
                }
                run++;
                final int unit = u;
                pending.add(pool.submit(() -> {
                    try {
                        writeUnit(unit, b, q, codeBuffers.get(), io, out);
                        encoded.addAndGet(b.rows);
                        progress.step(b.rows);
                    } finally {
                        free.put(b);
                    }
                    return null;
                }));
                failFast(pending);
            }
            for (Future<?> f : pending) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.internal("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw SluiceException.internal("encoding failed: " + c, c);
        } finally {
            pool.shutdownNow();
        }
        return run;
    }

    /** Rethrows the first failure among finished units, so a bad batch stops the run early. */
    private static void failFast(List<Future<?>> pending) throws InterruptedException, ExecutionException {
        for (Future<?> f : pending) {
            if (f.isDone()) {
                f.get();
            }
        }
        pending.removeIf(Future::isDone);
    }

    private void writeUnit(int unit, VectorBatch b, Quantizer q, byte[] codes, VectorIo io, OutputDir out)
            throws IOException {
        int cb = q.codeBytes();
        for (int i = 0; i < b.rows; i++) {
            q.encodeTo(b.data, i * b.dim, codes, i * cb);
        }
        List<Shard> shards = new ArrayList<>();
        String rel = Shard.name(SPLIT, unit, 0);
        Path target = out.path().resolve(rel);
        Files.createDirectories(target.getParent());
        io.writeCodes(b.ids, codes, b.rows, cb, Shard.temporary(target), "sluice_codes_" + unit);
        shards.add(Shard.commit(out.path(), rel, b.rows));
        if (config.npy()) {
            String base = Shard.name(NPY_SPLIT, unit, 0).replace(".parquet", "");
            Files.createDirectories(out.path().resolve(base).getParent());
            String codesRel = base + ".codes.npy";
            try (OutputStream o = VectorFiles.npyWriter(Shard.temporary(out.path().resolve(codesRel)), "|u1", b.rows,
                    cb)) {
                o.write(codes, 0, b.rows * cb);
            }
            shards.add(Shard.commit(out.path(), codesRel, b.rows));
            String idsRel = base + ".ids.npy";
            try (OutputStream o = VectorFiles.npyWriter(Shard.temporary(out.path().resolve(idsRel)), "<i8", b.rows)) {
                byte[] buf = new byte[8 * b.rows];
                java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                        .put(b.ids, 0, b.rows);
                o.write(buf);
            }
            shards.add(Shard.commit(out.path(), idsRel, b.rows));
        }
        out.commitUnit(unit, shards, Map.of("rows", b.rows, "first_row", b.firstRow));
    }

}
