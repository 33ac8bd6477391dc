-- One bucket's measurements of one split in output order: key rank, time, then every field as the
-- tie-break (measurements may share key and time; without it the order would depend on threads).
SELECT p.sluice_kid, k.key AS ${key}, p.${time}${fields}
FROM read_parquet(${files}, hive_partitioning = false) AS p
JOIN probe_keys AS k ON p.sluice_kid = k.kid
WHERE k.test = ${test}
ORDER BY p.sluice_kid, p.${time}${fields}
