-- One shard of the cache: the rows streamed from Java, written to the shard's temporary name.
COPY (SELECT seq, ids, logprobs FROM ${stream})
TO ${path} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${row_group_rows})
