/**
 * Vector kernels: the hot loops of quantization and search (squared L2, dot products, one query against a
 * block of vectors, PQ table look-ups, scalar-quantized and binary codes) behind one interface, with a plain
 * scalar reference and a Vector API version picked at start-up by {@link dev.sluice.simd.Kernels#get()}.
 * This is the only package that imports {@code jdk.incubator.vector}.
 */
package dev.sluice.simd;
