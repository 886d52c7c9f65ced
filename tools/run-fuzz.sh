#!/usr/bin/env bash
# Builds the libFuzzer targets with the `fuzz` preset (clang, ASan+UBSan) into
# build/fuzz and runs each for a bounded time.
#
#   tools/run-fuzz.sh [SECONDS] [TARGET...]   default 60 s, every target
#
#   FrameDecoderFuzz  the frame decoder fed any bytes in any split
#   HubFuzz           the hub's logic: sessions, requests, time, the store
#                     (libhermes/fuzz/HubFuzz.cpp lists the invariants)
#
# The targets run side by side, one process each (on two cores, two targets
# take the time of one); each one's output goes to build/fuzz/TARGET.log,
# and its closing lines are shown when it ends.
#
# Exits non-zero on any finding: a crash, a leak, a sanitizer report, an
# invariant violated, an allocation above the malloc limit, a slow input.
# New inputs go to build/fuzz/corpus/TARGET (the seeds in
# libhermes/fuzz/corpus/TARGET are read, never written); a finding is saved
# under build/fuzz/artifacts/ and can be replayed with
#   build/fuzz/libhermes/fuzz/TARGET build/fuzz/artifacts/<file>
set -euo pipefail

seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
    echo "usage: $0 [SECONDS] [TARGET...]  (a positive whole number of seconds, default 60)" >&2
    exit 2
fi
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(FrameDecoderFuzz HubFuzz)
for target in "${targets[@]}"; do
    case $target in
        FrameDecoderFuzz | HubFuzz) ;;
        *) echo "run-fuzz: unknown target $target" >&2; exit 2 ;;
    esac
done
# Each once: two runs of one target would share its log and corpus.
mapfile -t targets < <(printf '%s\n' "${targets[@]}" | awk '!seen[$0]++')

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"
artifacts="$build/artifacts"

echo "run-fuzz: configuring and building ${targets[*]} in $build"
cmake --preset fuzz -S "$root" >/dev/null
cmake --build "$build" --target "${targets[@]}" -j "$(nproc)"
mkdir -p "$artifacts"

# UBSan recovers by default; a finding must stop the run and fail it.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

# Runs one target (started in the background: its exit status is what
# `wait` returns).
run_target() {
    local target=$1 asan=$ASAN_OPTIONS limits
    case $target in
        # A decoder that trusted a length prefix would pass 64 MB at once.
        FrameDecoderFuzz) limits=(-malloc_limit_mb=64 -max_len=16384) ;;
        # One input holds at most its output budget (2 MiB), its rings of
        # history and a few sockets' worth of input: ~55 MB at its peak. ASan
        # keeps what runs free in quarantine (256 MB by default) and its size
        # classes; with runs that move megabytes, a smaller quarantine keeps
        # the process's RSS well under the limit (peak ~620 MB, not 1.9 GB).
        HubFuzz)
            limits=(-malloc_limit_mb=512 -max_len=4096)
            asan="quarantine_size_mb=64:$ASAN_OPTIONS"
            ;;
    esac
    local seeds="$root/libhermes/fuzz/corpus/$target"
    local work="$build/corpus/$target"
    mkdir -p "$work"
    echo "run-fuzz: running $target for ${seconds}s (seeds: $seeds, log: $build/$target.log)"
    # exec: the background job's pid is the fuzzer's, for the trap below.
    ASAN_OPTIONS=$asan exec "$build/libhermes/fuzz/$target" \
        -max_total_time="$seconds" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        "${limits[@]}" \
        -print_final_stats=1 \
        -artifact_prefix="$artifacts/" \
        "$work" "$seeds" >"$build/$target.log" 2>&1
}

pids=()
# A script stopped early (an error, a signal, CI's timeout) stops its fuzzers.
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
for target in "${targets[@]}"; do
    run_target "$target" &
    pids+=($!)
done
failed=0
for i in "${!targets[@]}"; do
    target=${targets[$i]}
    status=0
    wait "${pids[$i]}" || status=$?
    if [[ $status -ne 0 ]]; then
        tail -n 60 "$build/$target.log" || true
        echo "run-fuzz: $target reported a finding (exit $status); see $artifacts" >&2
        failed=$status
    else
        tail -n 12 "$build/$target.log" || true
        echo "run-fuzz: $target ran ${seconds}s with no finding"
    fi
done
exit "$failed"
