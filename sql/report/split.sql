-- One split's view with its name as a column, to put the splits of an output side by side.
SELECT ${name} AS split, * FROM ${view}
