-- Two relations as one.
${a} UNION ALL ${b}
