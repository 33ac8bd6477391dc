#!/usr/bin/env bash
# Builds FAISS from its source with its Python bindings, for scripts/bench/compress.sh and exact.sh:
#   scripts/bench/build-faiss.sh SRC_DIR [PREFIX]
# SRC_DIR: the source of https://github.com/facebookresearch/faiss at the release to compare with (v1.15.0:
# `git clone --branch v1.15.0 --depth 1 https://github.com/facebookresearch/faiss`). PREFIX (default
# target/faiss-VERSION) receives the `faiss` Python package; the benchmarks pick it up from there (or from
# FAISS_PYTHONPATH). FAISS_OPT_LEVEL (avx512, avx2 or generic) defaults to the best this CPU runs: the
# SIMD kernels of the fast-scan and RaBitQ indexes are compiled only at avx2 and above. About 25 minutes on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SRC="$(cd "${1:?usage: build-faiss.sh SRC_DIR [PREFIX]}" && pwd)"
VERSION=$(awk '/^project\(faiss/ {f = 1} f && $1 == "VERSION" {print $2; exit}' "$SRC/CMakeLists.txt")
[ -n "$VERSION" ] || { echo "build-faiss.sh: $SRC/CMakeLists.txt names no faiss VERSION; give FAISS's source" >&2; exit 1; }
PREFIX="${2:-$ROOT/target/faiss-$VERSION}"
BUILD="${BUILD_DIR:-$ROOT/target/faiss-build-$VERSION}"
if [ -z "${FAISS_OPT_LEVEL:-}" ]; then
  if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo \
     && grep -qw avx512vl /proc/cpuinfo; then FAISS_OPT_LEVEL=avx512
  elif grep -qw avx2 /proc/cpuinfo; then FAISS_OPT_LEVEL=avx2
  else FAISS_OPT_LEVEL=generic; fi
fi
missing=()
for pkg in cmake g++ swig libopenblas-dev python3-dev python3-numpy python3-setuptools python3-packaging; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-faiss.sh: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
mkdir -p "$(dirname "$BUILD")"
echo "build-faiss.sh: FAISS $VERSION, FAISS_OPT_LEVEL=$FAISS_OPT_LEVEL, $(nproc) cores, into $PREFIX" >&2
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=ON \
  -DFAISS_ENABLE_C_API=OFF -DBUILD_TESTING=OFF -DBUILD_SHARED_LIBS=OFF -DFAISS_OPT_LEVEL="$FAISS_OPT_LEVEL" \
  -DBLA_VENDOR=OpenBLAS -DPython_EXECUTABLE=/usr/bin/python3 >"$BUILD.cmake.log" 2>&1 \
  || { tail -30 "$BUILD.cmake.log" >&2; exit 1; }
target=swigfaiss
[ "$FAISS_OPT_LEVEL" = generic ] || target="swigfaiss_$FAISS_OPT_LEVEL"
make -C "$BUILD" -j"$(nproc)" "$target" >"$BUILD.make.log" 2>&1 || { tail -30 "$BUILD.make.log" >&2; exit 1; }
(cd "$BUILD/faiss/python" && /usr/bin/python3 setup.py build >"$BUILD.setup.log" 2>&1) \
  || { tail -30 "$BUILD.setup.log" >&2; exit 1; }
rm -rf "$PREFIX" && mkdir -p "$PREFIX"
cp -r "$BUILD"/faiss/python/build/lib*/faiss "$PREFIX/"
# FAISS's loader picks the library from numpy 2's CPU features; Debian's numpy 1.24 has no numpy._core, so the
# benchmarks name the level instead (FAISS_OPT_LEVEL, upper case), read from this file.
level=$(echo "$FAISS_OPT_LEVEL" | tr a-z A-Z); [ "$level" = GENERIC ] && level=""
echo "$level" > "$PREFIX/faiss-opt-level"
FAISS_OPT_LEVEL="$level" PYTHONPATH="$PREFIX" /usr/bin/python3 -c \
  'import faiss; print("faiss", faiss.__version__, faiss.get_compile_options(), "from", faiss.__file__)' >&2
echo "FAISS_PYTHONPATH=$PREFIX"
