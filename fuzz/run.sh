#!/bin/sh
# fuzz/run.sh NAME SECONDS: builds fuzz/fuzz_NAME.c with clang in build-fuzz/ at the repository root (or
# $BLOOP_FUZZ_BUILD) and runs it for SECONDS. New inputs go to the build directory's corpus,
# seeded from fuzz/corpus/NAME (left untouched); crashes land in BUILD/artifacts/NAME/.
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 NAME SECONDS" >&2
  exit 2
fi
name=$1
secs=$2
here=$(cd "$(dirname "$0")" && pwd)
build=${BLOOP_FUZZ_BUILD:-$(dirname "$here")/build-fuzz}
cc=${CC:-$(command -v clang-14 || command -v clang)}

cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target "fuzz_$name" -j2 >/dev/null

mkdir -p "$build/corpus/$name" "$build/artifacts/$name"
seeds="$here/corpus/$name"
[ -d "$seeds" ] || seeds=
dict=
[ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
# -print_final_stats reports executions; the exit status is libFuzzer's (non-zero on a crash).
exec "$build/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/$name/" -max_len=512 $dict \
  "$build/corpus/$name" $seeds
