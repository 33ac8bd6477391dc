-- sorted.sql over the shard tasks' copy of the measurements (copy_measurements.sql): the same rows in the same
-- order, from narrow columns with the key ranks already joined.
SELECT c.sluice_kid, c.${time}${fields}
FROM read_parquet(${copy}) AS c${text_joins}
WHERE c.sluice_kid IN (SELECT kid FROM probe_keys WHERE bucket IN ${units})
ORDER BY c.sluice_kid, c.${time}${order_fields}
