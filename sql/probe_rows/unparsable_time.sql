-- A text time column must parse as a timestamp: the first value that does not, if any.
SELECT CAST(${time} AS VARCHAR) AS bad
FROM ${input}
WHERE ${time} IS NOT NULL AND TRY_CAST(${time} AS TIMESTAMP) IS NULL
LIMIT 1
