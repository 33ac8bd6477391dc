/**
 * Input files (glob expansion, format detection) and Arrow batch streams across the DuckDB/Java boundary:
 * a query result read as Arrow batches, and Java batches registered with DuckDB as a scannable stream.
 */
package dev.sluice.io;
