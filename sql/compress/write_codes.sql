-- Writes one work unit's codes (a registered Arrow stream of id, code) to a Parquet shard.
COPY (SELECT id, code FROM ${stream}) TO ${path} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${row_group_rows})
