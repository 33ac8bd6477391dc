-- One pack shard's first ${rows} sequences, in file order.
SELECT input_ids, cu_seqlens
FROM read_parquet(${path}, file_row_number = true)
WHERE file_row_number < ${rows}
