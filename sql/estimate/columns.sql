-- The input's columns, to size a row of the probe-rows sort.
SELECT count(*) FROM (DESCRIBE SELECT * FROM ${input})
