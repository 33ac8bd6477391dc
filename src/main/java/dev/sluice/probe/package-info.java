/**
 * The probe-rows job: measurements to per-key rows of at most max-len, ordered by time, split into train
 * and test by a seeded hash of the key. DuckDB sorts (and spills); {@link dev.sluice.probe.ChunkCutter}
 * cuts the sorted Arrow stream into rows.
 */
package dev.sluice.probe;
