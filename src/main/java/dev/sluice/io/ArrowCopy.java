package dev.sluice.io;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;

/**
 * Copies ranges of values between Arrow vectors of the same type. Fixed-width vectors are copied as one
 * block of bytes, variable-width ones (text, blobs) as one block of bytes plus their offsets shifted; every other
 * type goes through Arrow's type-generic {@code copyFromSafe}, so any column type passes through, the common ones
 * fast.
 */
public final class ArrowCopy {
    private ArrowCopy() {}

    /** True when {@code v}'s values are fixed-width bytes that can be copied as such (not bit-packed booleans). */
    public static boolean isFixedBytes(FieldVector v) {
        return v instanceof BaseFixedWidthVector && !(v instanceof BitVector);
    }

    /**
     * Copies {@code src[from, from + count)} to {@code dst[to, ...)}. {@code nullFree} says {@code src} has no
     * nulls, so validity bits need not be read.
     */
    public static void copyRange(FieldVector src, int from, FieldVector dst, int to, int count, boolean nullFree) {
        if (isFixedBytes(src) && src.getClass() == dst.getClass()) {
            BaseFixedWidthVector d = (BaseFixedWidthVector) dst;
            while (d.getValueCapacity() < to + count) {
                d.reAlloc();
            }
            long width = ((BaseFixedWidthVector) src).getTypeWidth();
            d.getDataBuffer().setBytes(to * width, src.getDataBuffer(), from * width, count * width);
            ArrowBuf srcValid = src.getValidityBuffer();
            ArrowBuf dstValid = d.getValidityBuffer();
            for (int i = 0; i < count; i++) {
                BitVectorHelper.setValidityBit(dstValid, to + i, nullFree ? 1 : BitVectorHelper.get(srcValid, from + i));
            }
        } else if (src instanceof BaseVariableWidthVector v && src.getClass() == dst.getClass()) {
            copyVariableWidth(v, from, (BaseVariableWidthVector) dst, to, count, nullFree);
        } else {
            for (int i = 0; i < count; i++) {
                dst.copyFromSafe(from + i, to + i, src);
            }
        }
    }

    /**
     * A range of text or blob values: their bytes in one copy, their offsets shifted to where they land. Values are
     * appended ({@code to} is the destination's end), as a list's child vector grows: {@code copyFromSafe} per value
     * had made a short text field cost as much as the whole numeric row.
     */
    private static void copyVariableWidth(BaseVariableWidthVector src, int from, BaseVariableWidthVector dst, int to,
                                          int count, boolean nullFree) {
        ArrowBuf srcOffsets = src.getOffsetBuffer();
        int srcStart = srcOffsets.getInt((long) from * BaseVariableWidthVector.OFFSET_WIDTH);
        int bytes = srcOffsets.getInt((long) (from + count) * BaseVariableWidthVector.OFFSET_WIDTH) - srcStart;
        while (dst.getValueCapacity() < to + count) {
            dst.reallocValidityAndOffsetBuffers();
        }
        int dstStart = to == 0 ? 0 : dst.getOffsetBuffer().getInt((long) to * BaseVariableWidthVector.OFFSET_WIDTH);
        while (dst.getDataBuffer().capacity() < (long) dstStart + bytes) {
            dst.reallocDataBuffer();
        }
        dst.getDataBuffer().setBytes(dstStart, src.getDataBuffer(), srcStart, bytes);
        ArrowBuf dstOffsets = dst.getOffsetBuffer();
        int shift = dstStart - srcStart;
        for (int i = 1; i <= count; i++) {
            dstOffsets.setInt((long) (to + i) * BaseVariableWidthVector.OFFSET_WIDTH,
                    srcOffsets.getInt((long) (from + i) * BaseVariableWidthVector.OFFSET_WIDTH) + shift);
        }
        ArrowBuf srcValid = src.getValidityBuffer();
        ArrowBuf dstValid = dst.getValidityBuffer();
        for (int i = 0; i < count; i++) {
            BitVectorHelper.setValidityBit(dstValid, to + i, nullFree ? 1 : BitVectorHelper.get(srcValid, from + i));
        }
        dst.setLastSet(to + count - 1);
    }
}
