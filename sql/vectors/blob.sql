-- A blob column of little-endian float32 values, in file order.
SELECT ${id} AS sluice_id, ${column} AS sluice_vector FROM read_parquet(${files})
