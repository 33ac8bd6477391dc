#!/usr/bin/env bash
# Two builds' search over the same held codes in one JVM, passes alternating, and the ratio of each pair: on a
# shared machine the noise moves both sides of a pair alike, where runs minutes apart differ by a quarter.
#   scripts/bench/ab-search.sh JAR_A JAR_B CODES_DIR BASE.npy QUERIES.npy [PASSES] [WORKERS] [JVM options...]
# JAR_A, JAR_B: target/sluice.jar of two builds (e.g. a git worktree of the commit before); CODES_DIR: a compress
# output of the base (its quantizer; the base is encoded again in memory). Prints both sides' median and best QPS
# over the last two thirds of the passes, and the median ratio B/A with its quartiles. Run a build against itself
# first: each side's arrays fall at their own 64-byte alignment, which alone moved the ratio to 1.09x.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
A="${1:?usage: ab-search.sh JAR_A JAR_B CODES_DIR BASE.npy QUERIES.npy [PASSES] [WORKERS]}"
B="$2" CODES="$3" BASE="$4" QUERIES="$5" PASSES="${6:-100}" WORKERS="${7:-1}"
shift $(( $# < 7 ? $# : 7 ))
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
# Runner is compiled against A's classes and loaded by each build's own class loader.
"$JAVA_HOME/bin/javac" -d "$OUT/runner" -cp "$A" "$HERE/ab/Runner.java"
"$JAVA_HOME/bin/javac" -d "$OUT" "$HERE/ab/AB.java"
"$JAVA_HOME/bin/java" "$@" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx8g \
  -cp "$OUT" AB "$OUT/runner" "$A" "$B" "$CODES" "$BASE" "$QUERIES" "$PASSES" "$WORKERS" 2>&1 \
  | grep -v '^WARNING: Using incubator modules'
