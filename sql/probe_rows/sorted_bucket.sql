-- One bucket's measurements of one split in output order: key rank, time, then every field as the
-- tie-break (measurements may share key and time; without it the order would depend on threads).
SELECT p.sluice_kid, p.${time}${fields}
FROM read_parquet(${files}, hive_partitioning = false) AS p
ORDER BY p.sluice_kid, p.${time}${fields}
