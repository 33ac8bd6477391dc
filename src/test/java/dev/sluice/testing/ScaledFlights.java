package dev.sluice.testing;

import dev.sluice.engine.DuckSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The flight sample repeated {@code copies} times with shifted keys and times: a bigger input of the same shape. */
public final class ScaledFlights {
    private ScaledFlights() {}

    public static Path make(Path dir, int copies) throws Exception {
        Path file = dir.resolve("flights-x" + copies + ".parquet");
        if (!Files.exists(file)) {
            try (DuckSession d = new DuckSession(new DuckSession.Settings(512L << 20, 2, dir.resolve("duck"), 1))) {
                d.execute(String.format(Locale.ROOT,
                        "COPY (SELECT route || '#' || c AS route, date + to_days(CAST(c * 200 AS INTEGER)) AS date, "
                                + "delay, distance FROM read_parquet('%s'), range(%d) t(c)) TO '%s'",
                        Cli.flightsSample(), copies, file));
            }
        }
        return file;
    }
}
