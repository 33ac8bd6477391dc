package dev.sluice.engine;

import java.io.IOException;
import java.util.Locale;

/**
 * The one exception type a job raises on purpose. The kind decides the exit code (only
 * {@code Main} maps it); the message carries the values a user needs: file, column, expected, found.
 */
public final class SluiceException extends RuntimeException {

    /** What went wrong, grouped the way the exit codes are. */
    public enum Kind {
        /** Bad command line: exit 2. */
        USAGE(2),
        /** Bad input data or files: exit 3. */
        INPUT(3),
        /** Out of memory, disk or another resource: exit 4. */
        RESOURCE(4),
        /** A bug or an unexpected failure: exit 1. */
        INTERNAL(1);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;

    public SluiceException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public SluiceException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }

    public static SluiceException usage(String message) {
        return new SluiceException(Kind.USAGE, message);
    }

    public static SluiceException input(String message) {
        return new SluiceException(Kind.INPUT, message);
    }

    public static SluiceException input(String message, Throwable cause) {
        return new SluiceException(Kind.INPUT, message, cause);
    }

    public static SluiceException resource(String message, Throwable cause) {
        return new SluiceException(Kind.RESOURCE, message, cause);
    }

    /**
     * Writing {@code what} (a file or directory) failed. A full disk is said so, with what to do, since a
     * rerun resumes once there is room; other errors keep the system's words.
     */
    public static SluiceException cannotWrite(Object what, IOException e) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        if (reason.toLowerCase(Locale.ROOT).contains("no space left")) {
            return resource("disk full while writing " + what + ": " + reason
                    + "\nfree space (or inodes: df -i) on the output or --tmp-dir disk, then rerun to resume", e);
        }
        return resource("cannot write " + what + ": " + reason, e);
    }

    public static SluiceException internal(String message, Throwable cause) {
        return new SluiceException(Kind.INTERNAL, message, cause);
    }
}
