# Shared by the benchmark scripts: JDK lookup, build, timing of one command, and the median table.
# shellcheck shell=bash
RESULTS="$(mktemp)"
trap 'rm -f "$RESULTS"' EXIT

build_with_tests() {
  for home in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
    [ -n "$home" ] && [ -x "$home/bin/java" ] && "$home/bin/java" -version 2>&1 | grep -q '"25' && { export JAVA_HOME="$home"; break; }
  done
  (cd "$ROOT" && mvn -q -B package test-compile -DskipTests >&2)
  CP="$ROOT/target/test-classes:$ROOT/target/classes:$ROOT/target/lib/*"
  echo "# $(date -u +%FT%TZ) $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

# measure "name|limit" command args...: runs it, records status, wall seconds and peak RSS (KB).
measure() {
  local label="$1"; shift
  local t; t="$(mktemp)"
  # Functions run in a child bash so that time(1) sees them; its peak RSS is the largest process's.
  if /usr/bin/time -f "%e %M" -o "$t" bash -c "$(declare -f "$1"); \"\$@\"" _ "$@" >"$t.log" 2>&1; then
    status=ok
  elif grep -q -i 'out of memory' "$t.log"; then status=oom; else status=failed; fi
  read -r secs rss < <(tail -1 "$t")
  echo "$label|$status|$secs|$rss" >>"$RESULTS"
  echo "  $label: $status in ${secs}s, peak RSS $((rss / 1024)) MB" >&2
  if [ "$status" != ok ]; then grep -m1 -i -E 'error|memory' "$t.log" | cut -c1-160 >&2 || true; fi
  rm -f "$t" "$t.log"
}

# report N unit baseline-name: median table with rate and ratio to the baseline at the same limit.
report() {
  /usr/bin/python3 - "$RESULTS" "$1" "$2" "$3" <<'PY'
import sys, statistics, collections
path, n, unit, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = collections.OrderedDict()
for line in open(path):
    name, limit, status, secs, rss = line.strip().split("|")
    runs.setdefault((name, limit), []).append((status, float(secs), int(rss)))
med = {}
for k, v in runs.items():
    ok = [r for r in v if r[0] == "ok"]
    med[k] = (statistics.median(r[1] for r in ok), max(r[2] for r in ok)) if len(ok) == len(v) else None
print(f"| run | limit | median s | {unit}/s | peak RSS | RSS / limit | vs {base} |")
print("|---|---|---|---|---|---|---|")
for (name, limit), m in med.items():
    lim_mb = int(limit[:-2]) * (1024 if limit.endswith("GB") else 1)
    if m is None:
        why = "out of memory" if any(r[0] == "oom" for r in runs[(name, limit)]) else "failed"
        print(f"| {name} | {limit} | {why} | | | | |")
        continue
    b = med.get((base, limit))
    ratio = f"{b[0] / m[0]:.2f}x" if b else "-"
    print(f"| {name} | {limit} | {m[0]:.1f} | {n / m[0] / 1e6:.2f}M | {m[1] // 1024} MB | {m[1] / 1024 / lim_mb:.2f} | {ratio} |")
PY
}

# debian_documents: every Debian changelog under /usr/share/doc (split into entries) and every copyright file, as
# JSONL ({source, text}) on stdout: the real text of the pack and logits benchmarks.
debian_documents() {
  for f in /usr/share/doc/*/changelog*.gz; do
    zcat "$f" 2>/dev/null | iconv -f utf-8 -t utf-8 >/dev/null 2>&1 || continue
    zcat "$f" | jq -cRs --arg src "$f" \
      '[splits("\n\n(?=[a-z0-9][a-z0-9+.~-]* \\()")][] | select(test("\\S")) | {source: $src, text: .}'
  done
  for f in /usr/share/doc/*/copyright; do
    iconv -f utf-8 -t utf-8 "$f" >/dev/null 2>&1 || continue
    jq -cRs --arg src "$f" '{source: $src, text: .}' "$f"
  done
}
