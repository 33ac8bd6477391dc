package dev.sluice.cli;

import java.io.PrintStream;

/** One verb of the command line. Returns an exit code; never calls {@code System.exit}. */
interface Command {
    String name();

    String summary();

    int run(String[] args, PrintStream out, PrintStream err) throws Exception;
}
