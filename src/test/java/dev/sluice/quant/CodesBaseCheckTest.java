package dev.sluice.quant;

import static dev.sluice.quant.CompressJobTest.ok;
import static dev.sluice.quant.CompressJobTest.sluice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.TestData;
import dev.sluice.quant.CompressJobTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * search and eval refuse a {@code --base} that is not the file the codes were made from (other row count or
 * dimension), with both numbers and both files named, before they search: a wrong base otherwise re-ranks to
 * nothing, or to ids past the base, or scores a recall of 0.
 */
class CodesBaseCheckTest {
    @TempDir
    static Path tmp;
    static Path codes;

    @BeforeAll
    static void compress() {
        codes = tmp.resolve("codes");
        ok(sluice("compress", "--input", CompressJobTest.BASE, "--method", "sq8", "--out", codes.toString()));
    }

    static Path oneVector() throws Exception {
        Path one = tmp.resolve("one.npy");
        float[][] row = new float[1][];
        row[0] = Arrays.copyOf(Samples.BASE, Samples.DIM);
        TestData.writeNpy(one, row);
        return one;
    }

    static void assertRefused(Run r, String base, String... phrases) {
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains(base) && r.err().contains(codes.toString()), "names both files: " + r.err());
        for (String p : phrases) {
            assertTrue(r.err().contains(p), "stderr should contain '" + p + "':\n" + r.err());
        }
    }

    @Test
    void searchRefusesABaseOfOtherRowsOrDimension() throws Exception {
        Path one = oneVector();
        Path out = tmp.resolve("r.parquet");
        Run r = sluice("search", "--codes", codes.toString(), "--queries", CompressJobTest.QUERIES, "--base",
                one.toString(), "--rerank", "50", "--k", "10", "--out", out.toString());
        assertRefused(r, one.toString(), "1 vector", "2,500");
        assertFalse(Files.exists(out), "nothing written");

        // 300 rows of the right dimension: the query file given as the base.
        r = sluice("search", "--codes", codes.toString(), "--queries", CompressJobTest.QUERIES, "--base",
                CompressJobTest.QUERIES, "--rerank", "50", "--k", "10", "--out", out.toString());
        assertRefused(r, CompressJobTest.QUERIES, "300 vectors", "2,500");
        assertFalse(Files.exists(out), "nothing written");

        // 2,500 rows of 8 dimensions.
        Path narrow = tmp.resolve("narrow.npy");
        TestData.writeNpy(narrow, TestData.grid(2500, 8));
        r = sluice("search", "--codes", codes.toString(), "--queries", CompressJobTest.QUERIES, "--base",
                narrow.toString(), "--rerank", "50", "--k", "10", "--out", out.toString());
        assertRefused(r, narrow.toString(), "8 dimensions", "384");

        // The right base still works: 300 queries x 10 neighbours.
        Path ivecs = tmp.resolve("r.ivecs");
        ok(sluice("search", "--codes", codes.toString(), "--queries", CompressJobTest.QUERIES, "--base",
                CompressJobTest.BASE, "--rerank", "50", "--k", "10", "--out", ivecs.toString()));
        assertEquals(3000, Arrays.stream(dev.sluice.io.VectorFiles.readIvecs(ivecs)).mapToInt(a -> a.length).sum());
    }

    @Test
    void evalRefusesABaseOfOtherRows() throws Exception {
        Path one = oneVector();
        Run r = sluice("eval", "--codes", codes.toString(), "--queries", CompressJobTest.QUERIES, "--base",
                one.toString());
        assertRefused(r, one.toString(), "1 vector", "2,500");
        assertFalse(r.out().contains("recall_at_k"), r.out());
    }
}
