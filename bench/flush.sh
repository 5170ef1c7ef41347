#!/usr/bin/env bash
# What Sentry costs a Lambda invocation, and what a Sentry outage costs: the release `events`
# binary under the fake Lambda Runtime API, RUNS invocations each without Sentry, with a fake
# Sentry that answers at once (traces sample rate 1.0: an envelope per invocation), and with one
# that accepts connections and never answers. The answer time is the caller's; the gap is the
# flush after the answer, before the next invocation (PODIUM_SENTRY_FLUSH_TIMEOUT_MS, 500 ms).
#
#   bench/flush.sh           (RUNS=50)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p events -p podium-tests --bin events --bin bench_flush
"$CARGO_TARGET_DIR/release/bench_flush" "$CARGO_TARGET_DIR/release/events" "${RUNS:-50}"
