-- Whether a text field's values repeat enough to sort it as codes (see TextCodes): its values and distinct values
-- among the first ${rows} measurements (a scan that stops there; a full pass would cost more than the dictionary).
SELECT count(v), count(DISTINCT v)
FROM (SELECT ${field} AS v FROM ${input} LIMIT ${rows})
