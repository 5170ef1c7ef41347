#!/usr/bin/env bash
# What an event's results cost to compute on one core: the bootstrap's full rounds and every
# integrity check over a made-up event (1,000 voters and 50 projects unless VOTERS / PROJECTS
# say otherwise), then its CSV and HTML. Pinned to one core with taskset when it is there.
#
#   bench/results.sh                      (VOTERS=1000 PROJECTS=50 RUNS=30)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p podium-results --example bench_results
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
"${pin[@]}" "$CARGO_TARGET_DIR/release/examples/bench_results"
