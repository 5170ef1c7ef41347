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
# TARGET=x86_64-unknown-linux-gnu builds beside `make build`'s binaries (reusing its work).
cargo build --release -q ${TARGET:+--target "$TARGET"} -p events -p podium-tests --bin events --bin bench_flush
bin="$CARGO_TARGET_DIR/${TARGET:+$TARGET/}release"
"$bin/bench_flush" "$bin/events" "${RUNS:-50}"
