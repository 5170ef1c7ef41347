#!/usr/bin/env bash
# Opening a PostgreSQL connection with TLS (sslmode=require) and without, against a throwaway
# cluster with a self-signed certificate (scripts/pg with PODIUM_PG_TLS=1; needs openssl).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p podium-data --example bench_connect
unset DATABASE_URL
PODIUM_PG_TLS=1 scripts/pg run -- cargo run --quiet --release -p podium-data --example bench_connect
