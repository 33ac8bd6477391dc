-- A blob column of little-endian float32 values, in file order; from row ${first} of the first file on.
SELECT ${id} AS sluice_id, ${column} AS sluice_vector
FROM read_parquet(${files}, file_row_number = true)
WHERE file_row_number >= ${first}
