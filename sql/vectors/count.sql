-- Rows in the input (from the Parquet footers) and the length of the first vector.
SELECT count(*), any_value(${length}) FROM read_parquet(${files})
