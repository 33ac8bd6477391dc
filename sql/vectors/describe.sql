-- The input's columns and their types, to check the vector and id columns before reading.
DESCRIBE SELECT * FROM read_parquet(${files})
