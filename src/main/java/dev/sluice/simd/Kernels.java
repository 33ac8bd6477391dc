package dev.sluice.simd;

import java.util.Locale;

/**
 * The one door to the kernels. At start-up it picks the Vector API version when the
 * {@code jdk.incubator.vector} module is present and vectors are at least 128 bits, and the scalar one
 * otherwise, with one warning line. The system property {@code sluice.kernels=scalar|panama} forces a choice
 * and fails loudly when Panama is forced but cannot run.
 */
public final class Kernels {
    public static final String PROPERTY = "sluice.kernels";

    private Kernels() {}

    /** The kernels this JVM uses. */
    public static VectorKernels get() {
        return Holder.INSTANCE;
    }

    /** The scalar reference, whatever was picked. */
    public static VectorKernels scalar() {
        return Holder.SCALAR;
    }

    /** The Vector API kernels, or an explanation of why they cannot run here. */
    public static VectorKernels panama() {
        String why = panamaUnavailable();
        if (why != null) {
            throw new UnsupportedOperationException(why);
        }
        return PanamaHolder.INSTANCE;
    }

    /** Null when the Vector API kernels can run; otherwise why not. */
    public static String panamaUnavailable() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "the jdk.incubator.vector module is not loaded (run java with --add-modules=jdk.incubator.vector)";
        }
        int bits = PanamaHolder.bits();
        if (bits < 128) {
            return String.format(Locale.ROOT, "the CPU's preferred vector size is %d bits, under 128", bits);
        }
        return null;
    }

    private static final class Holder {
        static final VectorKernels SCALAR = new ScalarKernels();
        static final VectorKernels INSTANCE = pick();

        private static VectorKernels pick() {
            String forced = System.getProperty(PROPERTY, "").strip().toLowerCase(Locale.ROOT);
            String why = panamaUnavailable();
            switch (forced) {
                case "scalar":
                    return SCALAR;
                case "panama":
                    if (why != null) {
                        throw new IllegalStateException("-D" + PROPERTY + "=panama, but " + why);
                    }
                    return PanamaHolder.INSTANCE;
                case "":
                    if (why != null) {
                        System.err.println("sluice: warning: using scalar vector kernels: " + why);
                        return SCALAR;
                    }
                    return PanamaHolder.INSTANCE;
                default:
                    throw new IllegalStateException("-D" + PROPERTY + " must be scalar or panama, got '" + forced + "'");
            }
        }
    }

    /** Loads the Panama class only once the module is known to be there. */
    private static final class PanamaHolder {
        static final VectorKernels INSTANCE = new PanamaKernels();

        static int bits() {
            return PanamaKernels.FLOATS.vectorBitSize();
        }
    }
}
