-- A list or array column of floats, in file order, as FLOAT[] so that Java sees one Arrow list layout.
SELECT ${id} AS sluice_id, CAST(${column} AS FLOAT[]) AS sluice_vector FROM read_parquet(${files})
