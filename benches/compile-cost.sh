#!/usr/bin/env bash
# Compile-time cost of #[retry]: builds a generated crate of 200 async fns
# with the attribute and the same crate without it (release, dependencies
# prebuilt), and prints the seconds each took.
#
#   bash benches/compile-cost.sh [FNS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fns=${1:-200}
work="$root/target/compile-cost"
rm -rf "$work/plain" "$work/annotated"
mkdir -p "$work"

generate() { # NAME ATTRIBUTE
  local dir="$work/$1"
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "compile-cost-$1"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
retry-runtime = { path = "$root/retry-runtime" }

[workspace]
TOML
  {
    echo "use std::io;"
    echo "use retry_runtime::retry;"
    for i in $(seq 1 "$fns"); do
      echo "$2"
      echo "pub async fn op_$i(input: &str) -> Result<usize, io::Error> {"
      echo "    if input.is_empty() { return Err(io::ErrorKind::ConnectionReset.into()); }"
      echo "    Ok(input.len() + $i)"
      echo "}"
    done
  } > "$dir/src/lib.rs"
}

generate plain "#[allow(dead_code)]"
generate annotated "#[retry(max_attempts = 3, base_delay = \"100ms\", jitter)]"

export CARGO_TARGET_DIR="$work/target"
for name in plain annotated; do
  # Dependencies first, so the timing below is the generated crate alone.
  (cd "$work/$name" && cargo build --release --quiet)
  touch "$work/$name/src/lib.rs"
  start=$(date +%s.%N)
  (cd "$work/$name" && cargo build --release --quiet)
  end=$(date +%s.%N)
  awk -v n="$name" -v f="$fns" -v s="$start" -v e="$end" 'BEGIN { printf "%-10s %4d fns: %.2f s\n", n, f, e - s }'
done
