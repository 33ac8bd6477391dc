-- The codes of a compress output, shard after shard in manifest order.
SELECT CAST(id AS BIGINT) AS id, code FROM read_parquet(${files})
