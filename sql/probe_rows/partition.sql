-- Hash-partitions the measurements by bucket into Parquet under the temp directory, carrying the key's
-- rank instead of the key itself, so each bucket's sort compares integers.
COPY (
    SELECT k.bucket AS sluice_bucket, k.kid AS sluice_kid, ${time_expr} AS ${time}${fields}
    FROM ${input} AS i
    JOIN probe_keys AS k ON i.${key} = k.key
    WHERE i.${time} IS NOT NULL AND k.bucket IN ${units}
) TO ${dir} (FORMAT parquet, PARTITION_BY (sluice_bucket), COMPRESSION lz4, OVERWRITE_OR_IGNORE true)
