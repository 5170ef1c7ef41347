#!/usr/bin/env bash
# A burst of 500 queued validations (each a GitHub and an itch.io check) drained by 1 and 2
# workers, against fake servers that answer after 50 ms or 200 ms. Uses DATABASE_URL, or starts a
# throwaway PostgreSQL (scripts/pg).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p podium-validation --example bench_drain
scripts/pg run -- cargo run --quiet --release -p podium-validation --example bench_drain
