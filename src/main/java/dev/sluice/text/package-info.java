/**
 * The pack job: documents to fixed-length token sequences for LM training. Exact dedup on a 64-bit hash
 * of normalised text with an on-disk store ({@link dev.sluice.text.DedupStore}), tiktoken encodings through
 * jtokkit on the worker pool behind a cache of encoded segments ({@link dev.sluice.text.SegmentEncoder}), and
 * packing with per-document boundaries ({@code cu_seqlens}).
 */
package dev.sluice.text;
