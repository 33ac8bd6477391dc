-- How full pack's sequences are: the tokens up to the last document boundary (padding after it does not count)
-- as a share of --seq-len, in bins of 5% (0-4, ..., 95-99) and one of exactly 100%.
SELECT bin_lo, CASE WHEN bin_lo = 100 THEN 1 ELSE 5 END AS width, count(*) AS n
FROM (SELECT least(floor(100.0 * list_last(cu_seqlens) / ${seq_len} / 5), 20) * 5 AS bin_lo FROM ${source})
GROUP BY ALL
ORDER BY bin_lo
