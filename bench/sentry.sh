#!/usr/bin/env bash
# What the instrumentation costs on the read routes: bench/http.sh without Sentry, with Sentry
# at a traces sample rate of 0 (errors only), and at 1.0 (a transaction per request, the
# default), each function reporting to a local fake Sentry (bench_http fake-sentry) that
# answers at once. Metrics are on (Prometheus) in every run. Prints the three tables.
#
#   bench/sentry.sh          (CONNS, SECS as bench/http.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
echo "### Without Sentry"; bench/http.sh
echo "### Sentry, traces sample rate 0"; SENTRY_RATE=0 bench/http.sh
echo "### Sentry, traces sample rate 1.0"; SENTRY_RATE=1.0 bench/http.sh
