/**
 * Readers and streams: input file globs, Arrow batches across the DuckDB/Java boundary (a query result read
 * as Arrow batches, Java batches registered with DuckDB as a scannable stream), and vector inputs
 * ({@code .npy}, {@code .fvecs}/{@code .bvecs}, Parquet list/array/blob columns) read in reused batches; vector
 * inputs named by http(s)://, s3:// or hf:// URLs, copied to local files.
 */
package dev.sluice.io;
