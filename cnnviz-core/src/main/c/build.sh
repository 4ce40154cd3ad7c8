#!/bin/sh
# Builds ExactKnn's native candidate kernel (cnnviz_knn.c) into the classes directory, where NativeKnn loads it from.
# Called by Maven (cnnviz-core's pom, process-classes) as: build.sh OUTPUT_DIR JAVA_HOME. Linux x86-64 only. With no C
# compiler the build goes on, and ExactKnn selects on the JVM (about 1.5-1.7x slower; NativeKnn.status() says why).
set -eu
out="$1/dev/cnnviz/core/embedding/linux-x86_64"
jdk="$2"
src="$(dirname "$0")"
lib="$out/libcnnviz_knn.so"
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "cnnviz-core: not Linux x86-64, ExactKnn's native kernel is not built" >&2
  exit 0
fi
cc="${CC:-cc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "cnnviz-core: WARNING no C compiler ($cc): ExactKnn's native kernel is not built and k-NN selects on the JVM" \
       "(install gcc for it)" >&2
  exit 0
fi
if [ -f "$lib" ] && [ "$lib" -nt "$src/cnnviz_knn.c" ] && [ "$lib" -nt "$src/cnnviz_knn_jni.c" ] \
   && [ "$lib" -nt "$src/cnnviz_knn.h" ] && [ "$lib" -nt "$src/build.sh" ]; then
  exit 0
fi
mkdir -p "$out"
# -O3 for the kernels' unrolling; -fno-math-errno so that sqrt is one instruction; no -ffast-math:
# the comparisons must be IEEE ones (NaN padding, rounding of the thresholds), and the re-ranking's distances equal
# Java's bit for bit (no fused multiply-add: -ffp-contract=off).
"$cc" -O3 -fno-math-errno -ffp-contract=off -fPIC -shared -fvisibility=hidden -std=c11 -Wall -Wextra -Werror \
  -I"$jdk/include" -I"$jdk/include/linux" \
  -o "$lib.tmp" "$src/cnnviz_knn.c" "$src/cnnviz_knn_jni.c" -lm
mv "$lib.tmp" "$lib"
