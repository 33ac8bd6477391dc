/**
 * Output directories: the lock, the plan a rerun must match, per-unit commit records, shards written under
 * a temporary name and renamed, the manifest and its verification, and the worker pool that runs units.
 */
package dev.sluice.shard;
