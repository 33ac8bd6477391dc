-- The key table another task (or an earlier run) planned, instead of counting the keys again.
CREATE OR REPLACE TABLE probe_keys AS SELECT * FROM read_parquet(${path})
