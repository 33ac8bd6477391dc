#!/usr/bin/env bash
# A real Slurm run on this machine: a one-node cluster on localhost (munge, slurmctld, slurmd from Debian's
# slurm-wlm), a 4-task array each for probe-rows, compress (after its training job) and pack (after its
# indexing job) on the bundled samples through submit.sh, probe-rows again as two arrays of two tasks (a rerun),
# and a pack job requeued while it runs (preemption),
# then the merged outputs compared byte for byte with single-process runs. Needs root; installs what is missing.
#   scripts/slurm/ci-test.sh            (called by .ci/run after the tests)
# The cluster's configuration and state live in a temporary directory (SLURM_CONF points there), and the
# daemons it starts are stopped at the end; /etc/slurm is left alone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "ci-test.sh: needs root (it starts munged, slurmctld and slurmd)" >&2; exit 1; }
start=$(date +%s)
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurm-wlm munge
fi
WORK="$(mktemp -d /tmp/sluice-slurm.XXXXXX)"
export SLURM_CONF="$WORK/slurm.conf"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# munge: the key Debian's package made (or a new one), the daemon as the munge user unless one already runs.
if [ ! -S /run/munge/munge.socket.2 ] || ! munge -n </dev/null >/dev/null 2>&1; then
  [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; }
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
  pids+=("$(cat /run/munge/munged.pid)")
fi
munge -n </dev/null | unmunge >/dev/null

# One node on 127.0.0.1 with this machine's CPUs and most of its memory. No cgroup plugin: processes are
# tracked through /proc (linuxproc) and tasks are not bound (task/none), so it runs inside a container.
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.8}' /proc/meminfo)
mkdir -p "$WORK/ctld" "$WORK/d" "$WORK/logs"
cat >"$SLURM_CONF" <<CONF
ClusterName=sluiceci
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
StateSaveLocation=$WORK/ctld
SlurmdSpoolDir=$WORK/d
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/logs/slurmctld.log
SlurmdLogFile=$WORK/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
ReturnToService=2
MinJobAge=600
NodeName=ci1 NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=ci Nodes=ci1 Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld -c -f "$SLURM_CONF"
for _ in $(seq 50); do [ -s "$WORK/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$WORK/slurmctld.pid")")
/usr/sbin/slurmd -N ci1 -f "$SLURM_CONF"
for _ in $(seq 50); do [ -s "$WORK/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$WORK/slurmd.pid")")
for _ in $(seq 60); do
  state=$(sinfo -h -n ci1 -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 1
done
if [ "$state" != idle ]; then
  echo "ci-test.sh: node ci1 is '$state', not idle; logs:" >&2
  tail -n 30 "$WORK/logs/slurmctld.log" "$WORK/logs/slurmd.log" >&2
  exit 1
fi
echo "slurm: one node, $cpus CPUs, ${mem_mb} MB, up after $(( $(date +%s) - start )) s ($(sinfo -V))"

FLIGHTS="$ROOT/data-samples/flights/flights-sample.parquet"
BASE="$ROOT/data-samples/embeddings/base.npy"
probe=(probe-rows --input "$FLIGHTS" --key route --time date --buckets 8 --out)
compress=(compress --input "$BASE" --method pq --m 16 --train-size 2500 --batch-size 250 --out)
TEXT="$ROOT/data-samples/text/debian-texts.jsonl"
pack=(pack --input "$TEXT" --seq-len 512 --unit-docs 2000 --out)
export SLUICE_PROGRESS=log

# Jobs are given their memory by Slurm (--mem 1G -> SLUICE_MEMORY_LIMIT=921MB, 90%); the single runs get the same.
"$ROOT/scripts/sluice" "${probe[@]}" "$WORK/probe-single" --memory-limit 921MB 2>"$WORK/logs/probe-single.log"
"$ROOT/scripts/sluice" "${compress[@]}" "$WORK/compress-single" --memory-limit 921MB \
  2>"$WORK/logs/compress-single.log"
"$ROOT/scripts/sluice" "${pack[@]}" "$WORK/pack-single" --memory-limit 921MB 2>"$WORK/logs/pack-single.log"

cd "$WORK/logs"
export SBATCH_EXTRA="--cpus-per-task=1 --time=00:15:00"
submitted=$(date +%s)
p=$("$ROOT/scripts/slurm/submit.sh" 4 1G "${probe[@]}" "$WORK/probe-tasks")
c=$("$ROOT/scripts/slurm/submit.sh" 4 1G "${compress[@]}" "$WORK/compress-tasks")
k=$("$ROOT/scripts/slurm/submit.sh" 4 1G "${pack[@]}" "$WORK/pack-tasks")
echo "probe-rows: $p"
echo "compress:   $c"
echo "pack:       $k"
merges=()
for s in "$p" "$c" "$k"; do merges+=("$(sed -E 's/.*merge job ([0-9]+).*/\1/' <<<"$s")"); done

# Wait for the merges; a failed task leaves its merge pending forever (DependencyNeverSatisfied).
deadline=$(( $(date +%s) + 600 ))
for m in "${merges[@]}"; do
  while :; do
    info=$(scontrol show job "$m" 2>/dev/null || true)
    st=$(grep -o 'JobState=[A-Z_]*' <<<"$info" | cut -d= -f2)
    reason=$(grep -o 'Reason=[A-Za-z_]*' <<<"$info" | cut -d= -f2)
    [ "$st" = COMPLETED ] && break
    if [ "$st" = FAILED ] || [ "$st" = CANCELLED ] || [ "$st" = TIMEOUT ] || [ "$reason" = DependencyNeverSatisfied ] \
        || [ "$(date +%s)" -gt "$deadline" ]; then
      echo "ci-test.sh: merge job $m is $st ($reason); queue and logs:" >&2
      squeue >&2 || true
      tail -n 20 "$WORK"/logs/*.log >&2
      exit 1
    fi
    sleep 2
  done
done
echo "slurm: the three jobs merged $(( $(date +%s) - submitted )) s after submission"
budgets=$(grep -l "memory budget 921 MB" sluice-*_*.log | wc -l)
[ "$budgets" -eq 12 ] || { echo "ci-test.sh: $budgets of 12 task logs show the budget of --mem 1G (921 MB)" >&2
  grep -h "memory budget" sluice-*_*.log >&2; exit 1; }

# The merged outputs must be the single runs' files, byte for byte (run records, plan and locks aside).
compare() {
  local a="$1" b="$2" n=0
  files() { (cd "$1" && find . -type f ! -path './_runs/*' ! -name _plan.json ! -name '.sluice.lock*' | sort); }
  diff <(files "$a") <(files "$b") || { echo "ci-test.sh: $b has other files than $a" >&2; exit 1; }
  while read -r f; do
    cmp -s "$a/$f" "$b/$f" || { echo "ci-test.sh: $f differs between $a and $b" >&2; exit 1; }
    n=$((n + 1))
  done < <(files "$a")
  echo "identical: $b and $a ($n files)"
}
compare "$WORK/probe-single" "$WORK/probe-tasks"
compare "$WORK/compress-single" "$WORK/compress-tasks"
compare "$WORK/pack-single" "$WORK/pack-tasks"
"$ROOT/scripts/sluice" inspect "$WORK/compress-tasks" >/dev/null

# Tasks rerun as arrays of their own, as after a failure: tasks 0 and 1 of 4, then 2 and 3, each array of two
# tasks, N from SLUICE_SHARD_COUNT. The merge between them must name tasks 2 and 3; the one after, succeed.
wait_array() {  # array job id: waits until none of its tasks is queued or running
  local deadline=$(( $(date +%s) + 300 ))
  while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "ci-test.sh: array $1 did not finish" >&2; squeue >&2; exit 1; }
    sleep 1
  done
}
rerun() {  # array spec
  # shellcheck disable=SC2086
  SLUICE_HOME="$ROOT" SLUICE_SHARD_COUNT=4 sbatch --parsable $SBATCH_EXTRA --export=ALL --array="$1" --mem=1G \
    "$ROOT/scripts/slurm/task.sbatch" "${probe[@]}" "$WORK/probe-rerun"
}
wait_array "$(rerun 0,1)"
if "$ROOT/scripts/sluice" merge "$WORK/probe-rerun" >/dev/null 2>"$WORK/logs/rerun-merge.log"; then
  echo "ci-test.sh: merge succeeded with tasks 2 and 3 not run" >&2
  exit 1
fi
grep -q "they belong to shard task(s) 2, 3 of 4" "$WORK/logs/rerun-merge.log" \
  || { echo "ci-test.sh: merge did not name tasks 2 and 3:" >&2; cat "$WORK/logs/rerun-merge.log" >&2; exit 1; }
wait_array "$(rerun 2,3)"
"$ROOT/scripts/sluice" merge "$WORK/probe-rerun" >/dev/null
compare "$WORK/probe-single" "$WORK/probe-rerun"

# Preemption: a pack run requeued by Slurm (SIGTERM, then the job queued again) while it packs; task.sbatch's
# --requeue and --open-mode=append. Its log must say it stopped and resumed, its output be the single run's.
requeued=(pack --input "$TEXT" --seq-len 256 --unit-docs 300 --workers 1 --out)
"$ROOT/scripts/sluice" "${requeued[@]}" "$WORK/requeue-single" --memory-limit 921MB 2>"$WORK/logs/requeue-single.log"
# shellcheck disable=SC2086
job=$(SLUICE_HOME="$ROOT" sbatch --parsable $SBATCH_EXTRA --export=ALL --mem=1G --job-name=sluice-requeue \
  "$ROOT/scripts/slurm/task.sbatch" "${requeued[@]}" "$WORK/requeue")
deadline=$(( $(date +%s) + 120 ))
while [ "$(find "$WORK/requeue/_units" -name '*.json' 2>/dev/null | wc -l)" -lt 3 ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "ci-test.sh: job $job committed no units" >&2; exit 1; }
  sleep 0.1
done
scontrol requeue "$job"
sleep 1
scontrol update JobId="$job" StartTime=now || true   # a requeued job waits about two minutes otherwise
wait_array "$job"
log="$WORK/logs/sluice-${job}_4294967294.log"
[ -f "$log" ] || log=$(ls "$WORK"/logs/sluice-"$job"*.log | head -1)
grep -q "sluice pack: stopped by a signal before it finished" "$log" && grep -q "pack: resuming: " "$log" \
  || { echo "ci-test.sh: the requeued job's log does not show the stop and the resume:" >&2; cat "$log" >&2; exit 1; }
compare "$WORK/requeue-single" "$WORK/requeue"
echo "slurm: a requeued pack run resumed ($(grep -o 'resuming: [0-9]* unit(s)' "$log"))"
echo "slurm ci test passed in $(( $(date +%s) - start )) s; logs in $WORK/logs"
