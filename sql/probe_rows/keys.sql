-- Each key's work unit, split and rank. The rank orders keys by unit (bucket * 2 + split), then key, so
-- that sorting the measurements by rank alone puts them unit after unit, each unit's keys in key order.
-- bucket: MD5 of "bucket:key" modulo the bucket count (MD5 is stable across DuckDB versions, unlike hash()).
-- split: test when MD5 of "seed:key" modulo 10^6 falls under the test fraction in parts per million.
CREATE OR REPLACE TABLE probe_keys AS
WITH assigned AS (
    SELECT key,
           measurements,
           CAST(md5_number_upper('bucket:' || CAST(key AS VARCHAR)) % ${buckets} AS INTEGER) AS bucket,
           md5_number_lower(${seed} || ':' || CAST(key AS VARCHAR)) % 1000000 < ${test_ppm} AS test
    FROM probe_key_counts
    WHERE key IS NOT NULL AND measurements > 0
)
SELECT key,
       CAST(row_number() OVER (ORDER BY bucket, test, key) - 1 AS BIGINT) AS kid,
       measurements, bucket, test
FROM assigned
