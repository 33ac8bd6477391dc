-- probe-rows' output by split: rows, measurements and distinct keys.
SELECT split, count(*) AS rows, sum(n) AS measurements, count(DISTINCT ${key}) AS keys
FROM ${source}
GROUP BY split
ORDER BY split
