/**
 * The job runtime: the sequence every resumable job shares ({@link dev.sluice.shard.JobRuntime}, {@link
 * dev.sluice.shard.JobRun}), a job's registry entry ({@link dev.sluice.shard.JobSpec}), and the output directory it
 * works in: the lock, the plan a rerun must match, per-unit commit records, shards written under a temporary name and
 * renamed, and the manifest with its verification and merge.
 */
package dev.sluice.shard;
