package dev.sluice.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;

/**
 * Whole Java arrays into and out of Arrow {@code list<int32>} and {@code list<float>} columns with one bulk copy
 * each, instead of a bounds-checked {@code set()} or {@code get()} per value: token ids and logits are most of
 * what the text jobs move.
 */
public final class ArrowLists {
    /** Arrow buffers are little-endian. */
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ArrowLists() {}

    /** Appends {@code values} as list {@code row}, whose values start at {@code offset}; returns the next offset. */
    public static int append(ListVector list, int row, int[] values, int offset) {
        MemorySegment dst = reserve(list, row, offset, values.length);
        MemorySegment.copy(values, 0, dst, INT_LE, 4L * offset, values.length);
        list.endValue(row, values.length);
        return offset + values.length;
    }

    /** As {@link #append(ListVector, int, int[], int)}, for a {@code list<float>}. */
    public static int append(ListVector list, int row, float[] values, int offset) {
        MemorySegment dst = reserve(list, row, offset, values.length);
        MemorySegment.copy(values, 0, dst, FLOAT_LE, 4L * offset, values.length);
        list.endValue(row, values.length);
        return offset + values.length;
    }

    private static MemorySegment reserve(ListVector list, int row, int offset, int count) {
        BaseFixedWidthVector data = (BaseFixedWidthVector) list.getDataVector();
        list.startNewValue(row);
        while (data.getValueCapacity() < offset + count) {
            data.reAlloc();
        }
        ArrowBuf buf = data.getDataBuffer();
        return MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(buf.capacity());
    }

    /** Sets a list's value count, all values valid (the bulk copies do not touch the validity bits). */
    public static void markValid(ListVector list, int count) {
        FieldVector data = list.getDataVector();
        data.getValidityBuffer().setOne(0, (count + 7) / 8);
        data.setValueCount(count);
    }

    /** List {@code row} of a {@code list<int32>} column, as an array. */
    public static int[] ints(ListVector list, int row) {
        int from = list.getElementStartIndex(row);
        int n = list.getElementEndIndex(row) - from;
        int[] out = new int[n];
        ArrowBuf buf = list.getDataVector().getDataBuffer();
        MemorySegment src = MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(buf.capacity());
        MemorySegment.copy(src, INT_LE, 4L * from, out, 0, n);
        return out;
    }
}
