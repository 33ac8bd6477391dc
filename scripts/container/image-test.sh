#!/usr/bin/env bash
# CI test of the container image, run for real with podman: builds a Debian base offline (debootstrap; no image
# registry is reachable here), the archive (scripts/dist/build.sh) and the image from the repository's Containerfile
# with that base; then runs probe-rows, pack and compress in containers under --memory limits (the budget must come
# from the container's cgroup, and each job must finish under it, not OOM-killed), probe-rows as 3 shard-task
# containers at once plus a merge container on a shared volume, pack with a Hugging Face tokenizer and logits with
# an ONNX teacher, and compares every output with the same command run outside a container, byte for byte. Prints
# the image size, a container's start-to-first-output time and each job's peak memory against its limit. Needs
# root, podman, runc and debootstrap, the built jar, python3-onnx and target/hf-tokenizers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-image.XXXXXX")"
trap 'podman rm -f -i $(podman ps -a -q --filter label=sluice-image-test) >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
BASE=localhost/debian-base:bookworm
IMAGE=localhost/sluice:ci
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# podman's default runtime, crun, fails on these hosts ("cgroups in hybrid mode not supported", setrlimit refused):
# runc runs, given ulimits within the host's.
PODMAN_RUN=(podman --runtime runc run --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --label sluice-image-test)

if ! podman image exists "$BASE"; then
  echo "image-test: making $BASE with debootstrap from $MIRROR"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
  rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/cache/apt/"*.bin "$WORK/rootfs/var/lib/apt/lists/"*
  tar -C "$WORK/rootfs" -c . | podman import - "$BASE" >/dev/null
  rm -rf "$WORK/rootfs"
fi
SLUICE_NO_BUILD=1 scripts/dist/build.sh
ARCHIVE=$(ls target/dist/sluice-*.tar.gz | head -n 1)
podman build --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -q -f Containerfile \
  --build-arg BASE="$BASE" --build-arg ARCHIVE="${ARCHIVE#"$ROOT"/}" -t "$IMAGE" . >/dev/null
size_mb=$(( $(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000 ))
base_mb=$(( $(podman image inspect --format '{{.Size}}' "$BASE") / 1000000 ))
echo "image-test: image $IMAGE is $size_mb MB (the base $base_mb MB, the archive $(du -m "$ARCHIVE" | cut -f1) MB packed)"

# The archive on a machine with no Java at all (the bare base): unpacked, linked into a folder on the PATH, it runs
# the demo and inspect from another directory.
mkdir -p "$WORK/unpacked"
tar -C "$WORK/unpacked" -xzf "$ARCHIVE"
"${PODMAN_RUN[@]}" --rm -v "$WORK/unpacked:/opt:ro" "$BASE" bash -c '
  set -e; ! command -v java; ! ls /usr/lib/jvm 2>/dev/null
  mkdir -p /tmp/bin /tmp/w; ln -s /opt/sluice-*/bin/sluice /tmp/bin/sluice; export PATH=/tmp/bin:$PATH; cd /tmp/w
  sluice demo >demo.log 2>&1 || { cat demo.log; exit 1; }
  sluice inspect demo-out | grep -q "manifest check: ok"' >"$WORK/bare.log" 2>&1 \
  || { echo "image-test: the archive failed on a machine without Java:" >&2; tail -n 20 "$WORK/bare.log" >&2; exit 1; }
echo "image-test: the archive runs the demo and inspect through a symlink on a machine without Java"

median_start_ms() {  # the image and its arguments: the median of 3 wall times from `podman run` to its exit
  local times=() t0
  for _ in 1 2 3; do
    t0=$(date +%s%N)
    "${PODMAN_RUN[@]}" --rm "$@" >/dev/null 2>&1
    times+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}
echo "image-test: container start to first output (sluice --version): $(median_start_ms "$IMAGE" --version) ms;" \
  "an empty container (the base, true): $(median_start_ms --entrypoint true "$BASE") ms; medians of 3"

# The work folder is mounted at its own path, so that the outputs name the same files inside and outside; the
# image's user is not root and must be able to write there.
mkdir -p "$WORK/in" "$WORK/out"
cp data-samples/flights/flights-sample.parquet "$WORK/in/a.parquet"
cp data-samples/flights/flights-sample.parquet "$WORK/in/b.parquet"
chmod -R a+rwX "$WORK"

contained() {  # name, memory limit, then the command and options: runs it in a container, reports its peak
  local name="$1" limit="$2"; shift 2
  # The cgroup's peak usage, v2 then v1, printed after the job by a shell around the entrypoint.
  local peak='p=/sys/fs/cgroup/memory.peak; [ -f $p ] || p=/sys/fs/cgroup/memory/memory.max_usage_in_bytes; echo "peak $(cat $p)" >&2'
  if ! "${PODMAN_RUN[@]}" --name "$name" --memory "$limit" -v "$WORK:$WORK" --entrypoint /bin/bash "$IMAGE" \
      -c '/opt/sluice/scripts/container/entrypoint.sh "$@"; rc=$?; '"$peak"'; exit $rc' sluice "$@" \
      >"$WORK/$name.log" 2>&1; then
    echo "image-test: $name failed in its container:" >&2; tail -n 20 "$WORK/$name.log" >&2; exit 1
  fi
  [ "$(podman inspect --format '{{.State.OOMKilled}}' "$name")" = false ] \
    || { echo "image-test: $name was OOM-killed" >&2; exit 1; }
  podman rm "$name" >/dev/null
  grep -q "(cgroup limit;" "$WORK/$name.log" \
    || { echo "image-test: $name did not take its budget from the container's limit:" >&2; grep budget "$WORK/$name.log" >&2; exit 1; }
  local bytes; bytes=$(sed -n 's/^peak \([0-9]*\)$/\1/p' "$WORK/$name.log")
  echo "image-test: $name in a --memory $limit container: $(grep -o 'memory budget [^(]*' "$WORK/$name.log" | head -n 1)(from the cgroup), peak $(( bytes / 1048576 )) MB, not OOM-killed"
}

same() {  # output inside, output outside: every file but run records, plans and locks, byte for byte
  local n=0 f
  while read -r f; do
    cmp -s "$1/$f" "$2/$f" || { echo "image-test: $f differs between $1 and $2" >&2; exit 1; }
    n=$((n + 1))
  done < <(cd "$2" && find . -type f ! -path './_runs/*' ! -name _plan.json ! -name '.sluice.lock*' | sort)
  [ "$(cd "$1" && find . -type f -name '*.parquet' | wc -l)" -eq "$(cd "$2" && find . -type f -name '*.parquet' | wc -l)" ] \
    || { echo "image-test: $1 has other shards than $2" >&2; exit 1; }
  echo "image-test: $(basename "$1") equals the run outside a container: $n files, byte for byte"
}

outside() {  # the same command on this machine, with the source tree's launcher and JDK
  SLUICE_NO_BUILD=1 SLUICE_PROGRESS=none scripts/sluice "$@" >"$WORK/outside.log" 2>&1 \
    || { echo "image-test: the run outside failed:" >&2; tail -n 20 "$WORK/outside.log" >&2; exit 1; }
}

probe=(--input "$WORK/in/*.parquet" --key route --time date --buckets 6 --workers 2)
pack=(--input "$ROOT/data-samples/text/debian-texts.jsonl" --seq-len 512 --unit-docs 2000 --workers 2)
compress=(--input "$ROOT/data-samples/embeddings/base.npy" --method pq --m 16 --train-size 2000 --workers 2)
cp -r "$ROOT/data-samples/text" "$ROOT/data-samples/embeddings" "$WORK/in/"
chmod -R a+rX "$WORK/in"
pack[1]="$WORK/in/text/debian-texts.jsonl"
compress[1]="$WORK/in/embeddings/base.npy"

contained probe-rows 600m probe-rows "${probe[@]}" --out "$WORK/out/probe"
outside probe-rows "${probe[@]}" --out "$WORK/probe-outside"
same "$WORK/out/probe" "$WORK/probe-outside"
contained pack 600m pack "${pack[@]}" --out "$WORK/out/pack"
outside pack "${pack[@]}" --out "$WORK/pack-outside"
same "$WORK/out/pack" "$WORK/pack-outside"
contained compress 600m compress "${compress[@]}" --out "$WORK/out/compress"
outside compress "${compress[@]}" --out "$WORK/compress-outside"
same "$WORK/out/compress" "$WORK/compress-outside"

# pack with a Hugging Face tokenizer (the Rust library) and logits with a teacher (ONNX Runtime): the archive's
# native libraries for both, found beside its jar. The teacher is a small causal LM written by
# scripts/teacher/make_teacher.py; the tokenizer comes from scripts/data/hf-tokenizers.sh.
/usr/bin/python3 scripts/teacher/make_teacher.py "$WORK/in/teacher.onnx" --vocab 151936 --dim 32 >/dev/null
cp -r target/hf-tokenizers/qwen3 "$WORK/in/"
chmod -R a+rX "$WORK/in"
hf=(--input "$WORK/in/text/debian-texts.jsonl" --tokenizer "$WORK/in/qwen3/tokenizer.json" --eos-token '<|endoftext|>'
    --seq-len 512 --workers 2)
contained pack-hf 1g pack "${hf[@]}" --out "$WORK/out/pack-hf"
outside pack "${hf[@]}" --out "$WORK/pack-hf-outside"
same "$WORK/out/pack-hf" "$WORK/pack-hf-outside"
teacher=(--teacher "$WORK/in/teacher.onnx" --top-k 8 --max-samples 16 --workers 2)
contained logits 1g logits --input "$WORK/out/pack-hf" "${teacher[@]}" --out "$WORK/out/logits"
outside logits --input "$WORK/out/pack-hf" "${teacher[@]}" --out "$WORK/logits-outside"
same "$WORK/out/logits" "$WORK/logits-outside"

# Three shard-task containers at once, as a Kubernetes Indexed Job's pods (JOB_COMPLETION_INDEX), then a merge.
pids=()
for i in 0 1 2; do
  "${PODMAN_RUN[@]}" --rm --memory 600m -v "$WORK:$WORK" -e JOB_COMPLETION_INDEX=$i -e SLUICE_SHARD_COUNT=3 \
    "$IMAGE" probe-rows "${probe[@]}" --out "$WORK/out/tasks" >"$WORK/task-$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  wait "${pids[$i]}" || { echo "image-test: shard task $i failed:" >&2; tail -n 20 "$WORK/task-$i.log" >&2; exit 1; }
done
grep -q "shard task 2/3" "$WORK/task-2.log" || { echo "image-test: the third container was not shard task 2/3" >&2; exit 1; }
"${PODMAN_RUN[@]}" --rm --memory 600m -v "$WORK:$WORK" "$IMAGE" merge "$WORK/out/tasks" >"$WORK/merge.log" 2>&1 \
  || { echo "image-test: the merge container failed:" >&2; tail -n 20 "$WORK/merge.log" >&2; exit 1; }
same "$WORK/out/tasks" "$WORK/probe-outside"
# A container stopped mid-job (podman stop: SIGTERM, as at a pod's eviction) exits 143 and says the run can resume;
# the same container command run again resumes and gives the uninterrupted run's bytes.
mkdir -p "$WORK/in/many"
for i in $(seq -w 1 40); do cp data-samples/flights/flights-sample.parquet "$WORK/in/many/f$i.parquet"; done
chmod -R a+rX "$WORK/in/many"
many=(--input "$WORK/in/many/*.parquet" --key route --time date --buckets 32 --workers 1)
"${PODMAN_RUN[@]}" --name stopped --memory 600m -v "$WORK:$WORK" "$IMAGE" probe-rows "${many[@]}" \
  --out "$WORK/out/stopped" >"$WORK/stopped.log" 2>&1 &
for _ in $(seq 600); do
  [ -n "$(ls "$WORK/out/stopped/_units" 2>/dev/null)" ] && break
  sleep 0.1
done
podman stop -t 30 stopped >/dev/null
wait $! || true
code=$(podman inspect --format '{{.State.ExitCode}}' stopped)
podman rm stopped >/dev/null
[ "$code" = 143 ] && grep -q "stopped by a signal" "$WORK/stopped.log" \
  || { echo "image-test: a stopped container exited $code:" >&2; tail -n 5 "$WORK/stopped.log" >&2; exit 1; }
[ ! -f "$WORK/out/stopped/_manifest.json" ] || { echo "image-test: the stopped run left a manifest" >&2; exit 1; }
"${PODMAN_RUN[@]}" --rm --memory 600m -v "$WORK:$WORK" "$IMAGE" probe-rows "${many[@]}" \
  --out "$WORK/out/stopped" >"$WORK/resumed.log" 2>&1 \
  || { echo "image-test: the resumed container failed:" >&2; tail -n 20 "$WORK/resumed.log" >&2; exit 1; }
outside probe-rows "${many[@]}" --out "$WORK/many-outside"
echo "image-test: a container stopped by SIGTERM exited 143; run again, $(grep -o 'resuming[^;]*' "$WORK/resumed.log" | head -n 1)"
same "$WORK/out/stopped" "$WORK/many-outside"
echo "image-test: passed"
