-- Writes search results to Parquet, ordered by query and rank.
COPY (SELECT * FROM ${table} ORDER BY query, rank) TO ${path} (FORMAT parquet, COMPRESSION zstd)
