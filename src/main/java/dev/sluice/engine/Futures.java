package dev.sluice.engine;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for work handed to another thread, with its failure rethrown as the caller's own. */
public final class Futures {
    private Futures() {}

    /**
     * The result of {@code f}. A {@link RuntimeException} or {@link Error} the work threw comes out as it was (a
     * {@link SluiceException} keeps its exit code, an out-of-memory stays one); anything else, or an interrupt,
     * becomes an internal error that says what was being done ({@code what}, e.g. "encoding").
     */
    public static <T> T get(Future<T> f, String what) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SluiceException.internal("interrupted while " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw SluiceException.internal(what + " failed: " + cause, cause);
        }
    }
}
