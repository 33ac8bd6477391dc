-- One shard: the packed sequences streamed from Java, written to the shard's temporary name.
COPY (SELECT input_ids, cu_seqlens FROM ${stream})
TO ${path} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${row_group_rows})
