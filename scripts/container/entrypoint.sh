#!/usr/bin/env bash
# Container entrypoint: runs one sluice command from the environment, for platforms that start containers
# with variables rather than arguments (Kubernetes Indexed Jobs, Modal, batch services), or from its arguments.
#   SLUICE_COMMAND   probe-rows, pack, merge, ... (without it, the first argument is the command)
#   SLUICE_ARGS      the command's options, e.g. "--input /data/x.parquet --key k --time t --out /out"
#   SLUICE_MEMORY_LIMIT, SLUICE_WORKERS, SLUICE_TMP_DIR, SLUICE_PROGRESS   as for every command
#   JOB_COMPLETION_INDEX + SLUICE_SHARD_COUNT   the shard task, in a Kubernetes Indexed Job
#   SLUICE_TASK_LOCK_WAIT   seconds a task waits for an earlier copy of itself to end (default here 120)
# The memory budget follows the container's cgroup limit unless SLUICE_MEMORY_LIMIT is set.
# Arguments given to the container are appended to SLUICE_ARGS (as they are: the place for paths with spaces).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
# The archive's launcher (bin/sluice, in the image), or a source tree's.
LAUNCHER="$ROOT/bin/sluice"
[ -x "$LAUNCHER" ] || LAUNCHER="$ROOT/scripts/sluice"
if [ -z "${SLUICE_COMMAND:-}" ]; then
  [ $# -gt 0 ] || { echo "sluice container: set SLUICE_COMMAND (and SLUICE_ARGS), or give the command and its options as arguments, e.g. probe-rows --help" >&2; exit 2; }
  SLUICE_COMMAND="$1"
  shift
fi
export SLUICE_PROGRESS="${SLUICE_PROGRESS:-log}"
# A container holds a built jar: never build in one, whatever the files' times.
export SLUICE_NO_BUILD=1
# A replacement pod may start while the one it replaces still stops and holds the task's lock: wait for it.
export SLUICE_TASK_LOCK_WAIT="${SLUICE_TASK_LOCK_WAIT:-120}"
# SLUICE_ARGS splits at spaces but is not globbed: sluice expands --input patterns itself. A path with spaces
# goes in the container's arguments instead.
set -f
# shellcheck disable=SC2086
exec "$LAUNCHER" "$SLUICE_COMMAND" ${SLUICE_ARGS:-} "$@"
