#!/usr/bin/env bash
# The self-hosting stack's cold start: from `compose up` (images already built, no containers,
# an empty database volume) to the first request answered through the gateway by a function
# that reads the database (GET /events/official), RUNS times (default 3), each from scratch.
# Also prints every image's size. Needs the images (make image). The database: postgres:17, or
# PODIUM_POSTGRES_IMAGE, or where no registry answers scripts/postgres-image's (as make stack).
#   bench/stack.sh                       RUNS=5 bench/stack.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
engine=podman
command -v podman >/dev/null || engine=docker
dir="$(mktemp -d)"
project="podium-bench-$$"
cp "$root/compose.yaml" "$dir/"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
  STACK_DIR="$dir" PODIUM_STACK_PROJECT="$project" VOLUMES=1 "$root/scripts/stack" down >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

echo "images:"
for f in auth users events admin projects superadmin validate gateway migrate backfill; do
  printf '  %-12s %s bytes\n' "$f" "$("$engine" image inspect --format '{{.Size}}' "localhost/podium-$f:latest")"
done

for run in $(seq "$runs"); do
  STACK_DIR="$dir" PODIUM_STACK_PROJECT="$project" VOLUMES=1 "$root/scripts/stack" down >/dev/null 2>&1 || true
  # A fresh .env (new secrets) each run, on this run's port and database image.
  while IFS= read -r line; do
    case "$line" in
      *=generate) echo "${line%=generate}=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" ;;
      PODIUM_PORT=*) echo "PODIUM_PORT=$port" ;;
      *) echo "$line" ;;
    esac
  done < "$root/.env.example" > "$dir/.env"
  [ -z "${PODIUM_POSTGRES_IMAGE:-}" ] || echo "PODIUM_POSTGRES_IMAGE=$PODIUM_POSTGRES_IMAGE" >> "$dir/.env"
  start=$(date +%s.%N)
  STACK_DIR="$dir" PODIUM_STACK_PROJECT="$project" SKIP_IMAGE=1 "$root/scripts/stack" up >"$dir/up.log" 2>&1 &
  up=$!
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/events/official" 2>/dev/null; do
    sleep 0.1
    if ! kill -0 "$up" 2>/dev/null && ! curl -fsS -o /dev/null "http://127.0.0.1:$port/events/official" 2>/dev/null; then
      wait "$up" || { cat "$dir/up.log" >&2; exit 1; }
    fi
  done
  first=$(date +%s.%N)
  wait "$up"
  healthy=$(date +%s.%N)
  printf 'run %d: first answer %.1f s, every service healthy %.1f s\n' "$run" \
    "$(echo "$first - $start" | bc)" "$(echo "$healthy - $start" | bc)"
done
