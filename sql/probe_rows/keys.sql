-- Each key's rank (the sort key of the Java pass), work unit and split.
-- bucket: MD5 of "bucket:key" modulo the bucket count (MD5 is stable across DuckDB versions, unlike hash()).
-- split: test when MD5 of "seed:key" modulo 10^6 falls under the test fraction in parts per million.
-- kid: the rank by (bucket, split, key), so each work unit (bucket and split) is one range of ranks and
-- the sort needs no unit column: a narrower sort key (up to 32 bytes) takes DuckDB's fixed-width sort.
CREATE OR REPLACE TABLE probe_keys AS
SELECT key,
       CAST(row_number() OVER (ORDER BY bucket, test, key) - 1 AS INTEGER) AS kid,
       measurements, bucket, test
FROM (
    SELECT key,
           measurements,
           CAST(md5_number_upper('bucket:' || CAST(key AS VARCHAR)) % ${buckets} AS INTEGER) AS bucket,
           md5_number_lower(${seed} || ':' || CAST(key AS VARCHAR)) % 1000000 < ${test_ppm} AS test
    FROM probe_key_counts
    WHERE key IS NOT NULL AND measurements > 0
)
