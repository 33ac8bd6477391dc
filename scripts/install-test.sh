#!/usr/bin/env bash
# A built tree keeps working when it is copied or moved, and a rebuild never breaks the jobs running from it:
#  1. a copy of the tree runs from its own files (its process maps the copy's native DuckDB library, not the
#     original's), with the original's library renamed away meanwhile;
#  2. a rebuild (mvn package) while a job runs replaces the jar and the library by rename: the running process keeps
#     the old files (shown as deleted), stays alive and goes on computing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for home in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
            /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64; do
  [ -n "$home" ] && [ -x "$home/bin/java" ] && "$home/bin/java" -version 2>&1 | grep -q '"25' && { export JAVA_HOME="$home"; break; }
done
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sluice-install.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$ROOT/target/lib/.libduckdb_java.so.away" ] && mv "$ROOT/target/lib/.libduckdb_java.so.away" "$LIB"
  rm -rf "$WORK"
}
[ -f "$ROOT/target/sluice.jar" ] || (cd "$ROOT" && mvn -q -B package -DskipTests)
LIB="$(ls "$ROOT"/target/lib/libduckdb_java.so_* 2>/dev/null || true)"
trap cleanup EXIT
[ -f "$LIB" ] || { echo "install-test: no $LIB (a platform whose library stays in the driver's jar): skipped"; exit 0; }

mapped() {  # pid: the DuckDB library the process maps, waiting up to 30 s for it
  for _ in $(seq 300); do
    local m; m=$(grep -m1 -o '/[^ ]*libduckdb_java[^ ]*\( (deleted)\)\?' "/proc/$1/maps" 2>/dev/null || true)
    [ -n "$m" ] && { echo "$m"; return 0; }
    sleep 0.1
  done
  return 1
}
# A query that runs inside DuckDB's native code for longer than a rebuild takes (minutes); killed when checked.
SLOW="select sum(i)::VARCHAR as s from range(1000000000000) t(i)"

# 1. A copy, with the original's library out of the way.
mkdir -p "$WORK/copy"
cp -a "$ROOT/scripts" "$ROOT/target" "$ROOT/data-samples" "$WORK/copy/"
mv "$LIB" "$ROOT/target/lib/.libduckdb_java.so.away"
SLUICE_NO_BUILD=1 "$WORK/copy/scripts/sluice" demo "$WORK/demo" >"$WORK/demo.log" 2>&1 \
  || { echo "install-test: the copied tree's demo failed:" >&2; cat "$WORK/demo.log" >&2; exit 1; }
SLUICE_NO_BUILD=1 "$WORK/copy/scripts/sluice" sql "$WORK/demo" "$SLOW" --format csv >"$WORK/copy.out" 2>&1 &
pids+=($!)
lib=$(mapped "${pids[-1]}") || { echo "install-test: the copy's process mapped no DuckDB library" >&2; exit 1; }
case "$lib" in
  "$WORK/copy/"*) echo "install-test: a copied tree loads its own library: $lib" ;;
  *) echo "install-test: a copied tree loaded $lib, not its own" >&2; exit 1 ;;
esac
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
mv "$ROOT/target/lib/.libduckdb_java.so.away" "$LIB"

# 2. A rebuild while a job runs.
before=$(stat -c %i "$LIB")
SLUICE_NO_BUILD=1 "$ROOT/scripts/sluice" sql "$WORK/demo" "$SLOW" --format csv >"$WORK/rebuild.out" 2>&1 &
job=$!
pids+=($job)
mapped "$job" >/dev/null || { echo "install-test: the job mapped no DuckDB library" >&2; exit 1; }
(cd "$ROOT" && mvn -q -B package -DskipTests >"$WORK/build.log" 2>&1) \
  || { echo "install-test: the rebuild failed:" >&2; tail -20 "$WORK/build.log" >&2; exit 1; }
after=$(stat -c %i "$LIB")
[ "$before" != "$after" ] || { echo "install-test: the rebuild rewrote $LIB in place" >&2; exit 1; }
kill -0 "$job" 2>/dev/null || { echo "install-test: the job running during the rebuild died:" >&2; cat "$WORK/rebuild.out" >&2; exit 1; }
lib=$(mapped "$job")
case "$lib" in
  *"(deleted)") echo "install-test: the running job keeps the library it loaded: $lib" ;;
  *) echo "install-test: after the rebuild the job maps $lib, not the replaced file" >&2; exit 1 ;;
esac
jar=$(ls -l "/proc/$job/fd" 2>/dev/null | grep -o '/[^ ]*/sluice\.jar.*' | head -1)
case "$jar" in
  *"(deleted)") echo "install-test: the running job keeps the jar it opened: $jar" ;;
  *) echo "install-test: after the rebuild the job has '$jar' open, not the replaced jar" >&2; exit 1 ;;
esac
sleep 2
kill -0 "$job" 2>/dev/null || { echo "install-test: the job died after the rebuild:" >&2; cat "$WORK/rebuild.out" >&2; exit 1; }
echo "install-test: a job running through a rebuild is alive and computing"

# 3. `java -jar` with a JDK 25 and no flags: the manifest's Add-Opens and Enable-Native-Access, the libraries beside
# the jar; without the Vector API module the job runs its scalar kernels, said once on stderr with the flag to add.
(cd "$WORK" && "$JAVA_HOME/bin/java" -jar "$ROOT/target/sluice.jar" compress --progress none \
    --input "$ROOT/data-samples/embeddings/base.npy" --method rabitq --out "$WORK/jar-compress" >"$WORK/jar.log" 2>&1) \
  || { echo "install-test: java -jar compress failed:" >&2; tail -20 "$WORK/jar.log" >&2; exit 1; }
[ "$(grep -c 'add-modules=jdk.incubator.vector' "$WORK/jar.log")" -eq 1 ] \
  || { echo "install-test: java -jar did not name the Vector API flag once:" >&2; cat "$WORK/jar.log" >&2; exit 1; }
(cd "$WORK" && "$JAVA_HOME/bin/java" -jar "$ROOT/target/sluice.jar" inspect "$WORK/jar-compress" >"$WORK/jar-inspect.log" 2>&1) \
  && grep -q "manifest check: ok" "$WORK/jar-inspect.log" \
  || { echo "install-test: java -jar inspect failed:" >&2; tail -20 "$WORK/jar-inspect.log" >&2; exit 1; }
echo "install-test: java -jar runs compress (scalar kernels, the flag named once) and inspect"

# 4. Machine output as a shell pipeline reads it (jq): numbers as numbers, lists as arrays, objects as objects.
E="$ROOT/data-samples/embeddings"
SLUICE_NO_BUILD=1 "$ROOT/scripts/sluice" sql "$WORK/demo" "SELECT route, n, delay, first_date FROM train LIMIT 2" \
    --json 2>/dev/null | jq -e 'length == 2 and (.[0].n | type) == "number" and (.[0].delay | type) == "array"
      and (.[0].delay[0] | type) == "number" and (.[0].first_date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))' >/dev/null \
  || { echo "install-test: sql --json is not typed" >&2; exit 1; }
SLUICE_NO_BUILD=1 "$ROOT/scripts/sluice" eval --codes "$WORK/jar-compress" --queries "$E/queries.npy" --base "$E/base.npy" \
    --progress none --json 2>/dev/null | jq -e '(.recall_at_k | type) == "number" and .recall_at_k > 0.5
      and .queries == 300 and (.method | type) == "object" and .method.method == "rabitq"' >/dev/null \
  || { echo "install-test: eval --json is not typed" >&2; exit 1; }
echo "install-test: sql --json and eval --json read by jq: typed"
