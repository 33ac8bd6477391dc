-- probe-rows: measurements per row, by split.
(SELECT split AS series, n AS x FROM ${source})
