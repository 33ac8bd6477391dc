-- The documents in input order (preserve_insertion_order is on); the cap is a LIMIT, so DuckDB stops
-- reading row groups (or network ranges) once it has enough. Null texts are kept so that they are counted.
SELECT CAST(${column} AS VARCHAR) AS text
FROM ${input}
LIMIT ${limit}
