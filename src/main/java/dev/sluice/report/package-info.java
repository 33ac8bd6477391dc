/**
 * {@code sluice report}: the run records and shards of one or more outputs drawn as one self-contained HTML file,
 * with charts as inline SVG written here (no script, no network): memory against the budget, throughput, shard
 * sizes, each job's own histograms, and recall against bytes per vector and QPS across compress runs.
 */
package dev.sluice.report;
