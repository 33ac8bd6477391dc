#!/usr/bin/env bash
# Builds the self-contained archive for this machine's platform:
#   target/dist/sluice-<version>-<os>-<arch>.tar.gz
# holding a Java runtime trimmed by jlink to the modules sluice needs (the Vector API's included), the jar and its
# libraries with this platform's native code (DuckDB, ONNX Runtime, Hugging Face tokenizers), the AOT cache made by
# the archive's own runtime, bin/sluice (the launcher: works from any directory and through symlinks), the Slurm
# and container scripts, and the bundled samples. Needs a JDK 25 and Maven; the archive needs neither.
#   scripts/dist/build.sh            (SLUICE_NO_BUILD=1: use the built jar as it is)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -n "${SLUICE_NO_BUILD:-}" ] || mvn -q -B -o package -DskipTests 2>/dev/null || mvn -q -B package -DskipTests

version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n 1)
os=$(uname -s | tr '[:upper:]' '[:lower:]')
arch=$(uname -m)
name="sluice-$version-$os-$arch"
DIST="$ROOT/target/dist"
STAGE="$DIST/$name"
rm -rf "$STAGE" "$DIST/$name.tar.gz"
mkdir -p "$STAGE/app" "$STAGE/bin" "$STAGE/scripts"

# The modules the jar and its libraries use (jdeps), plus the Vector API's incubator module, which the launcher
# adds. Debug symbols, man pages and headers are left out; the modules are compressed in the runtime image.
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
  --class-path "target/lib/*" target/sluice.jar)
case ",$modules," in *,jdk.incubator.vector,*) ;; *) modules="$modules,jdk.incubator.vector" ;; esac
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$STAGE/runtime"

# The jar, its libraries (the DuckDB library's link kept) and the launcher's per-command options.
cp -a target/sluice.jar target/lib target/launch-options.tsv "$STAGE/app/"
cp scripts/sluice "$STAGE/bin/sluice"
cp -a scripts/slurm scripts/container "$STAGE/scripts/"
cp -a data-samples README.md "$STAGE/"

# The AOT cache, made by the archive's own runtime from a run of the demo (a cache made by another JVM is refused).
train="$(mktemp -d "${TMPDIR:-/tmp}/sluice-dist.XXXXXX")"
trap 'rm -rf "$train"' EXIT
(cd "$train" && SLUICE_AOT_TRAIN="$STAGE/app/sluice.aot" "$STAGE/bin/sluice" demo "$train/demo" >"$train/log" 2>&1) \
  || { echo "dist: the demo run that makes the AOT cache failed:" >&2; tail -n 20 "$train/log" >&2; exit 1; }

tar -C "$DIST" -czf "$DIST/$name.tar.gz" "$name"
echo "dist: $DIST/$name.tar.gz ($(du -m "$DIST/$name.tar.gz" | cut -f1) MB; unpacked $(du -sm "$STAGE" | cut -f1) MB:" \
  "runtime $(du -sm "$STAGE/runtime" | cut -f1) MB, app $(du -sm "$STAGE/app" | cut -f1) MB)"
echo "dist: modules $modules"
