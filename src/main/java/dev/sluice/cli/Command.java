package dev.sluice.cli;

import dev.sluice.engine.MemoryPolicy;
import java.io.PrintStream;
import java.util.List;

/** One verb of the command line. Returns an exit code; never calls {@code System.exit}. */
interface Command {
    String name();

    String summary();

    int run(String[] args, PrintStream out, PrintStream err) throws Exception;

    /** How its memory budget is divided; the launcher sets the heap from this. */
    default MemoryPolicy memory() {
        return MemoryPolicy.DEFAULT;
    }

    /** JVM options the launcher adds for this command (JIT settings). */
    default List<String> jvmOptions() {
        return List.of();
    }
}
