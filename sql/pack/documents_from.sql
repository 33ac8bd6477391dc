-- documents.sql for a shard task of pack, from row ${first} of the first file on: DuckDB skips the row groups
-- and pages before it. Null texts are kept so that they are counted.
SELECT CAST(${column} AS VARCHAR) AS text
FROM read_parquet(${files}, file_row_number = true)
WHERE file_row_number >= ${first}
