/**
 * {@code sluice estimate}: the rows, disk, memory and time a job will need, from the input's size (Parquet
 * footers, .npy headers, line counts) and the job run for real on two samples of the input, extrapolated.
 */
package dev.sluice.estimate;
