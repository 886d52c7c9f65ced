#!/usr/bin/env bash
# Builds the libFuzzer targets with the `fuzz` preset (clang, ASan+UBSan) into
# build/fuzz and runs the frame decoder target for a bounded time.
#
#   tools/run-fuzz.sh [SECONDS]      default 60
#
# Exits non-zero on any finding: a crash, a leak, a sanitizer report, an
# invariant violated, an allocation above the malloc limit, a slow input.
# New inputs go to build/fuzz/corpus/FrameDecoderFuzz (the seeds in
# libhermes/fuzz/corpus/ are read, never written); a finding is saved under
# build/fuzz/artifacts/ and can be replayed with
#   build/fuzz/libhermes/fuzz/FrameDecoderFuzz build/fuzz/artifacts/<file>
set -euo pipefail

seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
    echo "usage: $0 [SECONDS]  (a positive whole number of seconds, default 60)" >&2
    exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"
target=FrameDecoderFuzz
seeds="$root/libhermes/fuzz/corpus"
work="$build/corpus/$target"
artifacts="$build/artifacts"

echo "run-fuzz: configuring and building $target in $build"
cmake --preset fuzz -S "$root" >/dev/null
cmake --build "$build" --target "$target" -j "$(nproc)"

mkdir -p "$work" "$artifacts"
binary="$build/libhermes/fuzz/$target"

# UBSan recovers by default; a finding must stop the run and fail it.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

echo "run-fuzz: running $target for ${seconds}s (seeds: $seeds)"
status=0
"$binary" \
    -max_total_time="$seconds" \
    -rss_limit_mb=2048 \
    -malloc_limit_mb=64 \
    -timeout=10 \
    -max_len=16384 \
    -print_final_stats=1 \
    -artifact_prefix="$artifacts/" \
    "$work" "$seeds" || status=$?

if [[ $status -ne 0 ]]; then
    echo "run-fuzz: $target reported a finding (exit $status); see $artifacts" >&2
    exit "$status"
fi
echo "run-fuzz: $target ran ${seconds}s with no finding"
