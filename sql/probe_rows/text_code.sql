-- A coded text field in the sort's select list, under the field's own name.
, ${table}.code AS ${field}
