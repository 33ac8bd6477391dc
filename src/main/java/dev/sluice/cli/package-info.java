/**
 * The command line: {@code Main} parses global options, dispatches to one {@code XxxCommand} per verb and
 * maps errors to exit codes; commands parse their options into a job config and call the job.
 */
package dev.sluice.cli;
