-- A histogram of the values x of a relation with columns (series, x): equal bins from the smallest value to the
-- largest, whole-number bins for lengths and counts, shared by every series.
WITH v AS (SELECT series, x::DOUBLE AS x FROM ${values} WHERE x IS NOT NULL),
     r AS (SELECT min(x) AS lo,
                  CASE WHEN ${whole} THEN greatest(1, ceil((max(x) - min(x) + 1) / ${bins}))
                       ELSE greatest((max(x) - min(x)) / ${bins}, 1e-9) END AS width
           FROM v)
SELECT series, lo + least(floor((x - lo) / width), ${bins} - 1) * width AS bin_lo, width, count(*) AS n
FROM v, r
GROUP BY ALL
ORDER BY bin_lo, series
