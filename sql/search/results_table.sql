-- The table search results are appended to before they are written out.
CREATE TABLE ${table} (query INTEGER, rank INTEGER, id BIGINT, distance FLOAT)
