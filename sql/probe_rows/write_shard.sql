-- Writes the rows the Java pass cut (a registered Arrow stream) to one Parquet shard.
COPY (SELECT ${key}, ${split} AS split, * EXCLUDE (${key}) FROM ${stream})
TO ${path} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${row_group_rows})
