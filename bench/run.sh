#!/bin/sh
# bench/run.sh measures fluxd's routes against bench/bare in one run.
#
#   bench/run.sh [sqlite|postgres] [fluxd binary] [seconds] [connections]
#
# It builds fluxload, bare (and fluxd, when no binary is given), starts
# bare and a fresh fluxd with a user who has 8 tasks today and 3 goals
# (bench/setup.sh: fluxd's output on a pipe, or in a file with
# BENCH_LOG=file; PostgreSQL on $BENCH_PG with $BENCH_PG_PARAMS, e.g.
# synchronous_commit=off), measures each route at the given connections
# (64) for the given seconds (10), then POST /api/v1/calendar/events at 8
# connections, then the bare handler and GET /api/v1/tasks/today at a
# constant $BENCH_RATE (default 2000) req/s, whose latencies are those of
# an unsaturated server. Pass an older fluxd binary to compare versions
# with the same load.
set -eu
store=${1:-sqlite}
bin=${2:-}
secs=${3:-10}
conns=${4:-64}
log=${BENCH_LOG:-pipe}
. "$(dirname "$0")/setup.sh"
go build -o "$dir/fluxload" ./cmd/fluxload
echo "$bin on $store"
"$dir/fluxload" -url "$api" -token "$token" -conns "$conns" -duration "${secs}s" -bare "http://127.0.0.1:$bport/" \
	-route 'GET /health' -route 'GET /api/v1/tasks/today' -route 'GET /api/v1/goals'
"$dir/fluxload" -url "$api" -token "$token" -conns 8 -duration "${secs}s" -route 'POST /api/v1/calendar/events'
"$dir/fluxload" -url "$api" -token "$token" -conns "$conns" -duration "${secs}s" -rate "${BENCH_RATE:-2000}" \
	-bare "http://127.0.0.1:$bport/" -route 'GET /api/v1/tasks/today'
