-- The keys of one bucket and split by rank, read in step with the sorted measurements.
SELECT kid, key AS ${key}
FROM probe_keys
WHERE bucket = ${bucket} AND test = ${test} AND measurements > 0
ORDER BY kid
