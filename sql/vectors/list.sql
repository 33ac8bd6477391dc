-- A list or array column of floats, in file order, as FLOAT[] so that Java sees one Arrow list layout; from row
-- ${first} of the first file on (DuckDB skips the row groups and pages before it).
SELECT ${id} AS sluice_id, CAST(${column} AS FLOAT[]) AS sluice_vector
FROM read_parquet(${files}, file_row_number = true)
WHERE file_row_number >= ${first}
