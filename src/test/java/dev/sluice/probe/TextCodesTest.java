package dev.sluice.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sluice.io.ArrowCopy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.Test;

/** Codes back to text, and text ranges appended, as the cut of probe-rows does them batch after batch. */
class TextCodesTest {

    private static List<String> values(VarCharVector v) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.getValueCount(); i++) {
            out.add(v.isNull(i) ? null : new String(v.get(i), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void codesDecodeToTheirTextWithNullsAcrossAppends() {
        // Distinct values in sorted order, one of them empty and one longer than a vector's first allocation.
        String[] words = {"", "ATL", "Zürich", "x".repeat(5000)};
        byte[][] bytes = Arrays.stream(words).map(w -> w.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        int[] offsets = new int[words.length + 1];
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < words.length; i++) {
            all.append(words[i]);
            offsets[i + 1] = offsets[i] + bytes[i].length;
        }
        var dictionary = new TextCodes.Dictionary(all.toString().getBytes(StandardCharsets.UTF_8), offsets);
        Integer[] codes = {2, 0, null, 3, 1, 1, null, 2};
        try (BufferAllocator a = new RootAllocator(); IntVector in = new IntVector("c", a);
             VarCharVector out = new VarCharVector("t", a)) {
            in.allocateNew(codes.length);
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] == null) {
                    in.setNull(i);
                } else {
                    in.set(i, codes[i]);
                }
            }
            in.setValueCount(codes.length);
            out.allocateNew(16, 2);
            dictionary.decode(in, 1, out, 0, 4, false);
            dictionary.decode(in, 5, out, 4, 3, false);
            dictionary.decode(in, 0, out, 7, 1, false);
            out.setValueCount(8);
            List<String> expected = new ArrayList<>();
            for (int i : new int[] {1, 2, 3, 4, 5, 6, 7, 0}) {
                expected.add(codes[i] == null ? null : words[codes[i]]);
            }
            assertEquals(expected, values(out));
        }
    }

    @Test
    void textRangesCopyAsCopyFromSafeWould() {
        String[] src = {"a", null, "", "bcd", "é€", null, "x".repeat(3000), "end"};
        try (BufferAllocator a = new RootAllocator(); VarCharVector in = new VarCharVector("in", a);
             VarCharVector bulk = new VarCharVector("bulk", a); VarCharVector one = new VarCharVector("one", a)) {
            in.allocateNew();
            for (int i = 0; i < src.length; i++) {
                if (src[i] == null) {
                    in.setNull(i);
                } else {
                    in.setSafe(i, src[i].getBytes(StandardCharsets.UTF_8));
                }
            }
            in.setValueCount(src.length);
            bulk.allocateNew(8, 1);
            one.allocateNew(8, 1);
            int[][] ranges = {{3, 4}, {0, 2}, {7, 1}, {2, 6}};
            int to = 0;
            for (int[] r : ranges) {
                ArrowCopy.copyRange(in, r[0], bulk, to, r[1], false);
                for (int i = 0; i < r[1]; i++) {
                    one.copyFromSafe(r[0] + i, to + i, in);
                }
                to += r[1];
            }
            bulk.setValueCount(to);
            one.setValueCount(to);
            assertEquals(values(one), values(bulk));
            assertEquals(13, to);
        }
    }
}
