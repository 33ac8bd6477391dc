package dev.sluice.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FuturesTest {
    @Test
    void theWorksOwnFailureComesOutAsItWas() {
        SluiceException input = SluiceException.input("bad row in a.parquet");
        assertSame(input, assertThrows(SluiceException.class,
                () -> Futures.get(CompletableFuture.failedFuture(input), "encoding")));
        OutOfMemoryError oom = new OutOfMemoryError("heap");
        assertSame(oom, assertThrows(OutOfMemoryError.class,
                () -> Futures.get(CompletableFuture.failedFuture(oom), "encoding")));
        assertEquals("done", Futures.get(CompletableFuture.completedFuture("done"), "encoding"));
    }

    @Test
    void aCheckedFailureIsAnInternalErrorSayingWhatWasDone() {
        IOException io = new IOException("read error");
        SluiceException e = assertThrows(SluiceException.class,
                () -> Futures.get(CompletableFuture.failedFuture(io), "encoding"));
        assertEquals(SluiceException.Kind.INTERNAL, e.kind());
        assertEquals("encoding failed: java.io.IOException: read error", e.getMessage());
        assertSame(io, e.getCause());
    }
}
