-- A text field's code for the sort. LEFT: a null text has no code and stays null, last in the order as before.
LEFT JOIN ${table} ON ${column} = ${table}.v
