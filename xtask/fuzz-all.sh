#!/usr/bin/env bash
# Runs every cargo-fuzz target of the workspace for SECONDS each (default 620), one after the
# other, and prints libFuzzer's final statistics of each run. See docs/reliability.md.
#
#   xtask/fuzz-all.sh [SECONDS] [TARGET...]     e.g. xtask/fuzz-all.sh 620 jwt_verify
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz pass its -Z flags (AddressSanitizer and coverage instrumentation). The fuzz crates
# share one target directory (FUZZ_TARGET_DIR, default target/fuzz) so their dependencies are
# built once; corpora go to $FUZZ_TARGET_DIR/corpus/<target> (seeded from fuzz/seeds/<target>),
# logs to $FUZZ_TARGET_DIR/logs/<target>.log, crashes to crates/*/fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-620}
shift || true
export RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-1}
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$root/target/fuzz}
all=(srp-core:challenge_params cognito-wire:decode_response cognito-wire:challenge_parameters cognito-wire:pool_id
     cognito-jwt:jwt_verify cognito-auth:signin_sequences cognito-emulator:emulator_request)
status=0
for spec in "${all[@]}"; do
  crate=${spec%%:*}; t=${spec##*:}
  if [ $# -gt 0 ] && [[ ! " $* " =~ " $t " ]]; then continue; fi
  dir=$root/crates/$crate/fuzz
  corpus=$CARGO_TARGET_DIR/corpus/$t
  log=$CARGO_TARGET_DIR/logs/$t.log
  mkdir -p "$corpus" "$(dirname "$log")"
  seeds=()
  [ -d "$dir/seeds/$t" ] && seeds=("$dir/seeds/$t")
  echo "== $t: build"
  if ! (cd "$dir" && cargo fuzz build "$t") >"$log" 2>&1; then
    echo "   build failed: see $log"; status=1; continue
  fi
  echo "== $t: run ${seconds}s (log: $log)"
  (cd "$dir" && cargo fuzz run "$t" "$corpus" "${seeds[@]}" -- \
     -max_total_time="$seconds" -print_final_stats=1) >>"$log" 2>&1
  rc=$?
  grep -E '^Done|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+[[:space:]]+DONE' "$log" | sed 's/^/   /'
  if [ $rc -ne 0 ]; then echo "   exit $rc: a crash, leak or timeout; see $log"; status=1; fi
done
exit $status
