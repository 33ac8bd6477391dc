-- A sample of whole keys: every measurement of the keys whose hash falls in one of ${m} classes, so the sample's
-- rows per key are the input's.
COPY (SELECT * FROM ${input} WHERE hash(${key}) % ${m} = 0) TO ${file} (FORMAT parquet)
