-- A text field's distinct values, coded by their order: sorting by the code orders as sorting by the text.
CREATE OR REPLACE TABLE ${table} AS
SELECT v, CAST(row_number() OVER (ORDER BY v) - 1 AS INTEGER) AS code
FROM (SELECT DISTINCT ${field} AS v FROM ${input} WHERE ${field} IS NOT NULL)
