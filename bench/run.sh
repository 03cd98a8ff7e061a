#!/bin/sh
# bench/run.sh measures fluxd's routes against bench/bare in one run.
#
#   bench/run.sh [sqlite|postgres] [fluxd binary] [seconds] [connections]
#
# It builds fluxload and bare (and fluxd, when no binary is given), starts
# bare and a fresh fluxd (SQLite in a temporary directory, or a fresh
# PostgreSQL database on $BENCH_PG, default postgres://postgres@127.0.0.1:5432,
# with $BENCH_PG_PARAMS added to its URL, e.g. synchronous_commit=off),
# mints a token, gives the user 8 tasks today and 3 goals, measures each
# route at the given connections (64) for the given seconds (10), then
# POST /api/v1/calendar/events at 8 connections, then the bare handler and
# GET /api/v1/tasks/today at a constant $BENCH_RATE (default 2000) req/s,
# whose latencies are those of an unsaturated server. Pass an older fluxd
# binary to compare versions with the same load.
set -eu
store=${1:-sqlite}
bin=${2:-}
secs=${3:-10}
conns=${4:-64}
dir=$(mktemp -d)
trap 'kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$dir"' EXIT INT TERM
go build -o "$dir/fluxload" ./cmd/fluxload
go build -o "$dir/bare" ./bench/bare
if [ -z "$bin" ]; then
	go build -o "$dir/fluxd" ./cmd/fluxd
	bin=$dir/fluxd
fi
port=${BENCH_PORT:-18080}
bport=${BENCH_BARE_PORT:-19090}
export PORT=$port FLUX_DATA_DIR=$dir/data LOG_LEVEL=${LOG_LEVEL:-INFO}
if [ "$store" = postgres ]; then
	pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
	db=fluxbench_$$
	psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
	trap 'kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null || true; sleep 1; psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; rm -rf "$dir"' EXIT INT TERM
	export DATABASE_URL="$pg/$db?sslmode=disable${BENCH_PG_PARAMS:+&$BENCH_PG_PARAMS}"
fi
"$dir/bare" -addr 127.0.0.1:$bport & echo $! >"$dir/bare.pid"
"$bin" serve >"$dir/fluxd.log" 2>&1 & echo $! >"$dir/fluxd.pid"
for i in $(seq 100); do
	curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
	sleep 0.2
done
token=$("$bin" token --user loadtest@example.com --ttl 2h)
api=http://127.0.0.1:$port
today=$(date -u +%Y-%m-%dT)
for h in 08 09 10 11 13 14 15 16; do
	curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"title\":\"Task at $h\",\"duration_minutes\":30,\"scheduled_at\":\"${today}$h:00:00Z\"}" "$api/api/v1/tasks"
done
for g in 1 2 3; do
	curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"title\":\"Goal $g\",\"plan\":false}" "$api/api/v1/goals"
done
echo "$bin on $store"
"$dir/fluxload" -url "$api" -token "$token" -conns "$conns" -duration "${secs}s" -bare "http://127.0.0.1:$bport/" \
	-route 'GET /health' -route 'GET /api/v1/tasks/today' -route 'GET /api/v1/goals'
"$dir/fluxload" -url "$api" -token "$token" -conns 8 -duration "${secs}s" -route 'POST /api/v1/calendar/events'
"$dir/fluxload" -url "$api" -token "$token" -conns "$conns" -duration "${secs}s" -rate "${BENCH_RATE:-2000}" \
	-bare "http://127.0.0.1:$bport/" -route 'GET /api/v1/tasks/today'
