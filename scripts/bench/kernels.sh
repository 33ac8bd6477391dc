#!/usr/bin/env bash
# JMH benchmarks of the vector kernels, scalar (fooScalar) against Vector API (fooVector):
#   scripts/bench/kernels.sh [JMH options, e.g. -p dim=384 KernelBench.dot4x2]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$ROOT"
mvn -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-cp.txt >&2
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector -cp "target/test-classes:target/classes:$(cat target/test-cp.txt)" \
  org.openjdk.jmh.Main "${@:-KernelBench}"
