-- Hash-partitions the measurements into Parquet under the temp directory, one partition per bucket and
-- split (bucket * 2 + test), so that each sort reads exactly its rows; carries the key's rank instead of
-- the key itself, so each sort compares integers.
COPY (
    SELECT k.bucket * 2 + CAST(k.test AS INTEGER) AS sluice_file, k.kid AS sluice_kid,
           ${time_expr} AS ${time}${fields}
    FROM ${input} AS i
    JOIN probe_keys AS k ON i.${key} = k.key
    WHERE i.${time} IS NOT NULL AND k.bucket IN ${units}
) TO ${dir} (FORMAT parquet, PARTITION_BY (sluice_file), COMPRESSION lz4, OVERWRITE_OR_IGNORE true)
