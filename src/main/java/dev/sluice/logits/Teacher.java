package dev.sluice.logits;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.sluice.engine.Install;
import dev.sluice.engine.SluiceException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A causal language model in ONNX, as Hugging Face Optimum exports one: inputs {@code input_ids} and
 * {@code attention_mask} (int64 [batch, seq]; {@code position_ids} too where the export has it), output
 * {@code logits} (float32 [batch, seq, vocab]), run by ONNX Runtime. Rows are right-padded: a causal model's
 * logits at a real position never see the padding after it.
 */
final class Teacher implements AutoCloseable {
    static final String IDS = "input_ids";
    static final String MASK = "attention_mask";
    static final String POSITIONS = "position_ids";
    static final String LOGITS = "logits";

    /** What the plan and the manifest record of the teacher: a rerun with another file is refused. */
    record Identity(String file, long bytes, String sha256, int vocab) {
        Map<String, Object> toParameters() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("teacher", file);
            m.put("teacher_bytes", bytes);
            m.put("teacher_sha256", sha256);
            m.put("vocab", vocab);
            return m;
        }
    }

    private final OrtEnvironment env;
    private final OrtSession session;
    private final boolean positions;
    private final Identity identity;

    private Teacher(OrtEnvironment env, OrtSession session, boolean positions, Identity identity) {
        this.env = env;
        this.session = session;
        this.positions = positions;
        this.identity = identity;
    }

    /**
     * Opens {@code model} with {@code threads} threads for its operators, on the CPU or, with {@code cuda}, on GPU 0
     * through ONNX Runtime's CUDA provider; checks its inputs and output and learns its vocabulary.
     */
    static Teacher open(Path model, int threads, boolean cuda) {
        if (!Files.isRegularFile(model)) {
            throw SluiceException.usage("--teacher " + model + " is not a file; give an ONNX model (model.onnx of "
                    + "an Optimum export)");
        }
        String sha = sha256(model);
        Install.nameOnnxRuntimeLibraries();
        OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "sluice");
        OrtSession session = null;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            // The arena keeps what the largest batch took and reuses it: without it, the attention's buffers,
            // another size at every batch shape, were malloc'd and freed until fragments held 0.8 GB more after
            // 1,000 sequences than after 100. Memory patterns are per shape, and every batch has another.
            options.setCPUArenaAllocator(true);
            options.setMemoryPatternOptimization(false);
            // ONNX Runtime's threads spin after each run by default, taking the cores the top-k selection needs
            // between runs (2 cores: top-k 3x slower with spinning).
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            if (cuda) {
                addCuda(options);
            }
            session = env.createSession(model.toString(), options);
            boolean positions = checkInputs(model, session);
            checkOutput(model, session);
            Teacher t = new Teacher(env, session, positions, null);
            int vocab = t.probeVocabulary();
            return new Teacher(env, session, positions,
                    new Identity(model.getFileName().toString(), Files.size(model), sha, vocab));
        } catch (OrtException e) {
            closeQuietly(session);
            throw SluiceException.input("cannot load the teacher " + model + " with ONNX Runtime: " + e.getMessage()
                    + "; export it with Optimum (optimum-cli export onnx --task text-generation)", e);
        } catch (IOException e) {
            closeQuietly(session);
            throw SluiceException.input("cannot read the teacher " + model + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    private static void addCuda(OrtSession.SessionOptions options) {
        try {
            options.addCUDA(0);
        } catch (OrtException | UnsatisfiedLinkError e) {
            throw SluiceException.resource("--device cuda: ONNX Runtime's CUDA provider is not available ("
                    + e.getMessage() + "); it needs an NVIDIA GPU with CUDA 12 and cuDNN 9, and ONNX Runtime's GPU "
                    + "build (com.microsoft.onnxruntime:onnxruntime_gpu) on the class path; or run on the CPU", e);
        }
    }

    Identity identity() {
        return identity;
    }

    int vocab() {
        return identity.vocab();
    }

    /**
     * Runs {@code rows} right-padded rows of {@code length} tokens ({@code ids} and {@code mask} row-major) and
     * writes the logits, [rows, length, vocab] float32, into {@code out}, a direct buffer of exactly that size.
     */
    void forward(long[] ids, long[] mask, int rows, int length, FloatBuffer out) throws OrtException {
        long[] shape = {rows, length};
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try (OnnxTensor logits = OnnxTensor.createTensor(env, out, new long[] {rows, length, vocab()})) {
            inputs.put(IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(ids, 0, rows * length), shape));
            inputs.put(MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(mask, 0, rows * length), shape));
            if (positions) {
                long[] pos = new long[rows * length];
                for (int i = 0; i < pos.length; i++) {
                    pos[i] = i % length;
                }
                inputs.put(POSITIONS, OnnxTensor.createTensor(env, LongBuffer.wrap(pos), shape));
            }
            try (OrtSession.Result ignored = session.run(inputs, Map.of(LOGITS, logits))) {
                // The logits are in out: the output was pinned to it.
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The vocabulary: the last dimension of the logits, read from one token's output (exports leave it named). */
    private int probeVocabulary() throws OrtException {
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        long[] shape = {1, 1};
        try {
            inputs.put(IDS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {0}), shape));
            inputs.put(MASK, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {1}), shape));
            if (positions) {
                inputs.put(POSITIONS, OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {0}), shape));
            }
            try (OrtSession.Result r = session.run(inputs)) {
                OnnxValue v = r.get(LOGITS).orElseThrow();
                long[] dims = ((TensorInfo) v.getInfo()).getShape();
                return Math.toIntExact(dims[2]);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static boolean checkInputs(Path model, OrtSession session) throws OrtException {
        Map<String, NodeInfo> in = session.getInputInfo();
        for (String name : new String[] {IDS, MASK}) {
            if (!in.containsKey(name)) {
                throw SluiceException.input(String.format(Locale.ROOT, "the teacher %s has no input '%s' (it has %s): "
                        + "sluice runs causal LMs exported by Optimum, with inputs input_ids and attention_mask",
                        model, name, in.keySet()));
            }
        }
        for (Map.Entry<String, NodeInfo> e : in.entrySet()) {
            String name = e.getKey();
            if (!name.equals(IDS) && !name.equals(MASK) && !name.equals(POSITIONS)) {
                throw SluiceException.input(String.format(Locale.ROOT, "the teacher %s wants input '%s', which sluice "
                        + "cannot give (it gives input_ids, attention_mask, position_ids): export it without a "
                        + "KV cache (optimum-cli export onnx --task text-generation, not text-generation-with-past)",
                        model, name));
            }
            if (!(e.getValue().getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.INT64) {
                throw SluiceException.input("the teacher " + model + "'s input '" + name + "' is "
                        + e.getValue().getInfo() + ", not an int64 tensor");
            }
        }
        return in.containsKey(POSITIONS);
    }

    private static void checkOutput(Path model, OrtSession session) throws OrtException {
        NodeInfo out = session.getOutputInfo().get(LOGITS);
        if (out == null) {
            throw SluiceException.input(String.format(Locale.ROOT, "the teacher %s has no output 'logits' (it has %s)",
                    model, session.getOutputInfo().keySet()));
        }
        if (!(out.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT || t.getShape().length != 3) {
            throw SluiceException.input("the teacher " + model + "'s output 'logits' is " + out.getInfo()
                    + ", not float32 [batch, sequence, vocabulary]; export it in float32");
        }
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw SluiceException.input("cannot read the teacher " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void closeQuietly(OrtSession s) {
        if (s != null) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // the load error is the one to report
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(session);
    }
}
