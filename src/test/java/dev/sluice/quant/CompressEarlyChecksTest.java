package dev.sluice.quant;

import static dev.sluice.quant.CompressJobTest.sluice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.engine.SluiceException;
import dev.sluice.quant.CompressJobTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compress refuses what its options alone make impossible before it samples, trains or encodes anything. */
class CompressEarlyChecksTest {
    @TempDir
    Path tmp;

    @Test
    void faissWithRabitqIsRefusedBeforeAnyWork() {
        Path out = tmp.resolve("codes");
        Run r = sluice("compress", "--input", CompressJobTest.BASE, "--method", "rabitq", "--out", out.toString(),
                "--faiss", tmp.resolve("x.faiss").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--faiss") && r.err().contains("rabitq") && r.err().contains("pq, opq, sq8, sq4"),
                r.err());
        assertFalse(r.err().contains("trained"), "refused before training: " + r.err());
        assertFalse(Files.exists(out), "nothing written: " + out);
    }

    @Test
    void faissIntoAMissingDirectoryIsRefusedBeforeAnyWork() {
        Path out = tmp.resolve("codes");
        Path faiss = tmp.resolve("nonexistent-dir/x.faiss");
        Run r = sluice("compress", "--input", CompressJobTest.BASE, "--method", "sq8", "--out", out.toString(),
                "--faiss", faiss.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--faiss " + faiss) && r.err().contains(faiss.getParent() + " does not exist"),
                r.err());
        assertFalse(Files.exists(out), "nothing written, no manifest: " + out);
    }

    @Test
    void pqOnOneDimensionalVectorsSuggestsAnMThatWorks() throws Exception {
        Path one = tmp.resolve("one-d.npy");
        TestData.writeNpy(one, TestData.grid(50, 1));
        Run r = sluice("compress", "--input", one.toString(), "--method", "pq", "--m", "16", "--out",
                tmp.resolve("codes").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--m 16 does not divide the dimension 1") && r.err().contains("--m 1"), r.err());
        assertFalse(r.err().contains("e.g. )"), r.err());
        // Dimensions whose divisors are all under 4, or only 1 up to 128: a suggestion, never an empty list.
        for (int dim : new int[] {2, 3, 131}) {
            SluiceException e = assertThrows(SluiceException.class, () -> ProductQuantizer.check(dim, 16, 8));
            assertFalse(e.getMessage().contains("e.g. )"), e.getMessage());
            assertTrue(e.getMessage().contains("--m 1"), e.getMessage());
        }
    }
}
