package dev.sluice.cli;

import dev.sluice.engine.DuckSession;
import java.nio.file.Path;

/** A small DuckDB session for reading outputs (inspect, sql, runs): no job runs, so a modest limit. */
final class ViewSessions {
    private ViewSessions() {}

    static DuckSession open() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "sluice-view-" + ProcessHandle.current().pid());
        return new DuckSession(new DuckSession.Settings(1L << 30, Runtime.getRuntime().availableProcessors(), tmp, 2));
    }
}
