/**
 * Vector quantizers and the compress job: k-means, product quantization (Jégou et al. 2011, "Product
 * quantization for nearest neighbor search"), OPQ (Ge et al. 2013), per-dimension scalar quantization, and
 * RaBitQ (Gao and Long 2024, with the extended multi-bit codes of Gao et al. 2025), SAQ (Li et al. 2025: PCA,
 * dimension segments with their own bit widths, code adjustment); the codebook file and the FAISS index export.
 */
package dev.sluice.quant;
