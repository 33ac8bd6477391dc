-- Every measurement of the given buckets in output order, in one sort that spills: key rank (ranks run
-- unit after unit, see keys.sql), time, then every field as the tie-break (measurements may share key
-- and time; without it the order would depend on threads). Carries the key's rank instead of the key,
-- so the sort compares integers; text fields with few values come as codes in the text's order (TextCodes).
SELECT k.kid AS sluice_kid, ${time_expr} AS ${time}${fields}
FROM ${input} AS i
JOIN probe_keys AS k ON i.${key} = k.key${text_joins}
WHERE i.${time} IS NOT NULL AND k.bucket IN ${units}
ORDER BY sluice_kid, ${time}${order_fields}
