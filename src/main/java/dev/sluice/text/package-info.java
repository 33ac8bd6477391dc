/**
 * The pack job: documents to fixed-length token sequences for LM training. Exact dedup on a 64-bit hash
 * of normalised text with an on-disk store ({@link dev.sluice.text.DedupStore}), tiktoken encodings through
 * jtokkit on the worker pool behind a cache of encoded segments ({@link dev.sluice.text.SegmentEncoder}) or Hugging
 * Face tokenizer.json files through the Rust tokenizers library ({@link dev.sluice.text.HfTokenizer}), and
 * packing with per-document boundaries ({@code cu_seqlens}).
 */
package dev.sluice.text;
