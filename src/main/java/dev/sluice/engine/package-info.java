/**
 * What every job stands on: the memory budget and its split, the DuckDB session and connection pool, SQL
 * templates with safe parameters, the memory monitor, progress, run records, errors.
 */
package dev.sluice.engine;
