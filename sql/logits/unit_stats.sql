-- One pack shard's first ${rows} sequences: how many, their real tokens (up to cu_seqlens' last offset) and the
-- largest token id, which the teacher's vocabulary must exceed.
SELECT count(*) AS sequences,
       coalesce(sum(cu_seqlens[-1]), 0)::BIGINT AS tokens,
       coalesce(max(list_max(input_ids)), -1)::BIGINT AS max_id
FROM read_parquet(${path}, file_row_number = true)
WHERE file_row_number < ${rows}
