package dev.sluice.io;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;

/**
 * Copies ranges of values between Arrow vectors of the same type. Fixed-width vectors are copied as one
 * block of bytes; every other type goes through Arrow's type-generic {@code copyFromSafe}, so any column
 * type passes through, the common ones fast.
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
        } else {
            for (int i = 0; i < count; i++) {
                dst.copyFromSafe(from + i, to + i, src);
            }
        }
    }
}
