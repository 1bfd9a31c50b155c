#!/usr/bin/env bash
# The success path in instructions per call, counted by valgrind's
# callgrind: unlike times, these counts do not depend on what else a shared
# machine is doing. Each kind of call runs N and 2N times; the difference
# divided by N is the cost of one call, start-up excluded.
#
#   bash benches/success-path-instructions.sh [CARGO FEATURE ARGS...]
#   e.g. --no-default-features, or --features all-telemetry
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "needs valgrind (apt install valgrind)" >&2; exit 1; }
cargo build -q --release -p benches --bin success_path "$@"
bin=target/release/success_path
n=100000

instructions() { # KIND CALLS
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

printf '%-16s %s\n' kind "instructions per call"
for kind in direct retry retry-when-ok retry-context function function-when-ok function-context backon tokio-retry \
    blocking-direct blocking-retry blocking-retry-context blocking-backon; do
  once=$(instructions "$kind" "$n")
  twice=$(instructions "$kind" $((2 * n)))
  printf '%-16s %s\n' "$kind" $(((twice - once) / n))
done
