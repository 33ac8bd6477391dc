/**
 * Nearest neighbours: exact top-k by blocked brute force on the vector kernels with a bounded heap per query
 * (never a full distance matrix), top-k over quantized codes with optional exact re-ranking, recall, and the
 * eval and search jobs.
 */
package dev.sluice.knn;
