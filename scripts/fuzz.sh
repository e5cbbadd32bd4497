#!/usr/bin/env bash
# Runs every coverage-guided fuzzer in fuzz/ (cargo-fuzz, libFuzzer) for
# SECONDS each (default 60), on the stable toolchain: no sanitizer
# (`--sanitizer none`), debug assertions on, so an arithmetic overflow is a
# crash too. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
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

cargo fuzz build "${flags[@]}"
failed=0
summary=""
for t in "${targets[@]}"; do
  mkdir -p "fuzz/work/$t" "fuzz/corpus/$t"
  log="fuzz/work/$t.log"
  echo "fuzz: $t for ${seconds}s"
  if cargo fuzz run "${flags[@]}" "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    result="ok"
  else
    result="CRASH"
    failed=1
    grep -a -m1 -A3 "panicked at\|ERROR: libFuzzer" "$log" >&2 || true
    artifact=$(grep -a -o "Test unit written to [^ ]*" "$log" | tail -1 | cut -d' ' -f5)
    echo "fuzz: $t crashed; replay with: cargo fuzz run ${flags[*]} $t $artifact" >&2
  fi
  runs=$(grep -a "stat::number_of_executed_units" "$log" | tail -1 | awk '{print $2}')
  summary+=$(printf '%-10s %12s executions  %s' "$t" "${runs:-?}" "$result")$'\n'
done
printf '\n%s' "$summary"
exit "$failed"
