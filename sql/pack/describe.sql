-- The columns of the input, to check the text column before reading.
DESCRIBE SELECT * FROM ${input}
