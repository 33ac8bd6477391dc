package dev.sluice.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackerTest {
    private static final int EOT = 100257;

    private static List<Packer.Sequence> pack(int seqLen, List<int[]> docs, PackConfig.Last last) {
        Packer p = new Packer(seqLen, EOT);
        List<Packer.Sequence> out = new ArrayList<>();
        for (int[] d : docs) {
            p.add(d, d.length);
            for (Packer.Sequence s; (s = p.poll()) != null; ) {
                out.add(s);
            }
        }
        Packer.Sequence s = p.finish(last);
        if (s != null) {
            out.add(s);
        }
        return out;
    }

    @Test
    void documentsAreJoinedWithEndOfTextAndCutAtSeqLen() {
        List<Packer.Sequence> seqs = pack(4, List.of(new int[] {1, 2}, new int[] {3, 4, 5, 6}, new int[] {7}),
                PackConfig.Last.PARTIAL);
        // stream: 1 2 E 3 | 4 5 6 E | 7 E
        assertEquals(3, seqs.size());
        assertArrayEquals(new int[] {1, 2, EOT, 3}, seqs.get(0).inputIds());
        assertArrayEquals(new int[] {0, 3, 4}, seqs.get(0).cuSeqlens());
        assertArrayEquals(new int[] {4, 5, 6, EOT}, seqs.get(1).inputIds());
        assertArrayEquals(new int[] {0, 4}, seqs.get(1).cuSeqlens());
        assertArrayEquals(new int[] {7, EOT}, seqs.get(2).inputIds());
        assertArrayEquals(new int[] {0, 2}, seqs.get(2).cuSeqlens());
    }

    @Test
    void lastSequenceIsPaddedAfterTheLastBoundaryOrDropped() {
        List<int[]> docs = List.of(new int[] {1, 2, 3, 4, 5});
        List<Packer.Sequence> padded = pack(4, docs, PackConfig.Last.PAD);
        assertArrayEquals(new int[] {5, EOT, EOT, EOT}, padded.get(1).inputIds());
        assertArrayEquals(new int[] {0, 2}, padded.get(1).cuSeqlens());
        List<Packer.Sequence> dropped = pack(4, docs, PackConfig.Last.DROP);
        assertEquals(1, dropped.size());
        assertArrayEquals(new int[] {1, 2, 3, 4}, dropped.get(0).inputIds());
    }

    @Test
    void exactFitLeavesNothingOpen() {
        Packer p = new Packer(3, EOT);
        p.add(new int[] {1, 2}, 2);
        assertArrayEquals(new int[] {0, 3}, p.poll().cuSeqlens());
        assertNull(p.finish(PackConfig.Last.PARTIAL));
    }

    @Test
    void randomDocumentsReassembleWithBoundaries() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        int seqLen = 1 + r.nextInt(64);
        List<int[]> docs = new ArrayList<>();
        List<Integer> expected = new ArrayList<>();
        for (int d = 0; d < 500; d++) {
            int[] t = r.ints(r.nextInt(200), 0, 50000).toArray();
            docs.add(t);
            for (int v : t) {
                expected.add(v);
            }
            expected.add(EOT);
        }
        List<Packer.Sequence> seqs = pack(seqLen, docs, PackConfig.Last.PARTIAL);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < seqs.size(); i++) {
            Packer.Sequence s = seqs.get(i);
            if (i < seqs.size() - 1) {
                assertEquals(seqLen, s.inputIds().length, "seed " + seed);
            }
            int[] cu = s.cuSeqlens();
            assertEquals(0, cu[0], "seed " + seed);
            assertEquals(s.inputIds().length, cu[cu.length - 1], "seed " + seed);
            // every boundary but the sequence end falls right after an end-of-text token
            for (int k = 1; k < cu.length - 1; k++) {
                assertEquals(EOT, s.inputIds()[cu[k] - 1], "seed " + seed);
            }
            for (int v : s.inputIds()) {
                got.add(v);
            }
        }
        assertEquals(expected, got, "seed " + seed);
    }
}
