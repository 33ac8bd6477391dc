-- The input's columns and types, to check --key, --time and --fields before any work.
DESCRIBE SELECT * FROM ${input}
