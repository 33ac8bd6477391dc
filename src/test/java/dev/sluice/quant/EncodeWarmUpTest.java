package dev.sluice.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.engine.WarmUp;
import java.lang.reflect.Proxy;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EncodeWarmUpTest {
    @Test
    void encodesUntilClosedThenNoMoreAndLeavesCodesAlone() throws Exception {
        Random r = new Random(7);
        int dim = 32;
        int n = 2000;
        float[] data = new float[n * dim];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) r.nextGaussian();
        }
        ProductQuantizer pq = ProductQuantizer.train(data, n, dim, 8, 8, 1, 1);
        byte[] before = new byte[n * pq.codeBytes()];
        for (int i = 0; i < n; i++) {
            pq.encodeTo(data, i * dim, before, i * pq.codeBytes());
        }
        AtomicInteger calls = new AtomicInteger();
        // The codebook's encoder, counting the vectors it is given (the warm-up calls encodeBatch, as a run does).
        Quantizer counting = (Quantizer) Proxy.newProxyInstance(Quantizer.class.getClassLoader(),
                new Class<?>[] {Quantizer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("encodeTo")) {
                        calls.incrementAndGet();
                    } else if (method.getName().equals("encodeBatch")) {
                        calls.addAndGet((Integer) args[2]);
                    }
                    return method.invoke(pq, args);
                });
        WarmUp warmUp = EncodeWarmUp.start(counting);
        long until = System.nanoTime() + 5_000_000_000L;
        while (calls.get() < 1000 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        warmUp.close();
        int after = calls.get();
        assertTrue(after >= 1000, "vectors encoded by the warm-up: " + after);
        Thread.sleep(50);
        assertEquals(after, calls.get(), "no encode after close");

        byte[] again = new byte[n * pq.codeBytes()];
        for (int i = 0; i < n; i++) {
            pq.encodeTo(data, i * dim, again, i * pq.codeBytes());
        }
        assertArrayEquals(before, again, "the same codes before and after the warm-up");
    }
}
