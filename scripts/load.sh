#!/usr/bin/env bash
# Loopback load test of `gatehouse serve`: builds the binary and the load
# generator, starts a development server on a free 127.0.0.1 port with its
# own signing-key file and rate limits off, mints a token, runs four
# bounded phases (floor GET /healthz, POST /auth/token client_credentials,
# tools/call whoami on 2026-07-28, tools/call whoami in a 2025-11-25
# session), prints the table and stops the server by its PID.
#
#   CONCURRENCY  concurrent clients (default 8)
#   DURATION     length of each phase, at most 10s (default 5s)
#   SERVER_GOGC  GOGC of the server process only (default: Go's, 100)
#
# See docs/performance.md.
set -euo pipefail

concurrency=${CONCURRENCY:-8}
duration=${DURATION:-5s}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
pid=""

cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
go build -o "$work/gatehouse" ./cmd/gatehouse
go build -o "$work/loadgen" ./scripts/loadgen

port=$("$work/loadgen" -freeport)
base="http://127.0.0.1:$port"
# Shared by serve and token: the token command signs with the server's keys.
export GATEHOUSE_DEV=true \
	GATEHOUSE_AUTH__BUILTIN__KEY_FILE="$work/signing-keys.json" \
	GATEHOUSE_RATELIMIT__ENABLED=false \
	GATEHOUSE_LOG__LEVEL=warn

if [[ -n ${SERVER_GOGC:-} ]]; then
	GOGC=$SERVER_GOGC "$work/gatehouse" serve --listen "127.0.0.1:$port" --base-url "$base" >"$work/serve.log" 2>&1 &
else
	"$work/gatehouse" serve --listen "127.0.0.1:$port" --base-url "$base" >"$work/serve.log" 2>&1 &
fi
pid=$!

if ! "$work/loadgen" -base "$base" -wait 15s; then
	cat "$work/serve.log" >&2
	exit 1
fi
token=$("$work/gatehouse" token --base-url "$base" --sub alice --scope "read write")

echo "gatehouse serve pid $pid on $base, server GOGC=${SERVER_GOGC:-default}, $(nproc) CPUs shared by server and load generator"
"$work/loadgen" -base "$base" -token "$token" -c "$concurrency" -d "$duration"
