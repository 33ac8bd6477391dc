-- The plan's key table, kept beside _plan.json for the other shard tasks and for a rerun.
COPY probe_keys TO ${path} (FORMAT parquet)
