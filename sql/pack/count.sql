-- Rows of local Parquet files, from their footers: the denominator of the start-up estimate.
SELECT count(*) FROM ${input}
