-- Rows of the input (Parquet answers from its footers).
SELECT count(*) FROM ${input}
