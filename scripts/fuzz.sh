#!/usr/bin/env bash
# Runs every coverage-guided fuzzer in fuzz/ (cargo-fuzz, libFuzzer) for
# SECONDS each (default 60), on the stable toolchain: no sanitizer
# (`--sanitizer none`), debug assertions on, so an arithmetic overflow is a
# crash too. Targets run side by side, TESTRELAY_FUZZ_JOBS at a time
# (default: one per core). Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Inputs found along the way go to fuzz/work/TARGET (not committed); the
# seeds in fuzz/corpus/TARGET are only read. A crash is saved under
# fuzz/artifacts/TARGET/ and printed with the command that replays it; the
# script then exits 1 after running the other targets.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
flags=(--sanitizer none --debug-assertions)
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
jobs="${TESTRELAY_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"

cargo fuzz build "${flags[@]}"

# One target: its log in fuzz/work/TARGET.log, its verdict in
# fuzz/work/TARGET.result.
fuzz_one() {
  local t="$1" log="fuzz/work/$1.log" result
  mkdir -p "fuzz/work/$t" "fuzz/corpus/$t"
  # -timeout bounds one input; `timeout` bounds the whole run, in case
  # libFuzzer itself stops answering.
  if timeout --kill-after=30 $((seconds + 120)) \
    cargo fuzz run "${flags[@]}" "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    result="ok"
  else
    result="CRASH"
    grep -a -m1 -A3 "panicked at\|ERROR: libFuzzer" "$log" >&2 || true
    artifact=$(grep -a -o "Test unit written to [^ ]*" "$log" | tail -1 | cut -d' ' -f5)
    echo "fuzz: $t crashed; replay with: cargo fuzz run ${flags[*]} $t $artifact" >&2
  fi
  echo "$result" >"fuzz/work/$t.result"
}

mkdir -p fuzz/work
running=0
for t in "${targets[@]}"; do
  echo "fuzz: $t for ${seconds}s"
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=0
summary=""
for t in "${targets[@]}"; do
  result=$(cat "fuzz/work/$t.result" 2>/dev/null || echo "CRASH")
  [ "$result" = ok ] || failed=1
  runs=$(grep -a "stat::number_of_executed_units" "fuzz/work/$t.log" | tail -1 | awk '{print $2}')
  summary+=$(printf '%-12s %12s executions  %s' "$t" "${runs:-?}" "$result")$'\n'
done
printf '\n%s' "$summary"
exit "$failed"
