/**
 * {@code sluice logits}: a teacher model's top-k log-probabilities for every token of pack's sequences, each piece
 * of a packed sequence run on its own (the student's context), cached as Parquet beside pack's shards.
 */
package dev.sluice.logits;
