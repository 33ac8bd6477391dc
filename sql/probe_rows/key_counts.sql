-- One pass over the input: measurements per key. Rows without a key or a time are counted, not kept.
CREATE OR REPLACE TABLE probe_key_counts AS
SELECT ${key} AS key,
       count(${time}) AS measurements,
       count(*) - count(${time}) AS null_times
FROM ${input}
GROUP BY ALL
