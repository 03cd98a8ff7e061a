#!/bin/sh
# bench/wrk.sh measures one fluxd route against bench/bare with wrk
# (https://github.com/wg/wrk, Debian's package wrk), in one run.
#
#   bench/wrk.sh [sqlite|postgres] [fluxd binary] [route] [seconds] [connections]
#
# It starts bare and a fresh fluxd (SQLite in a temporary directory, or a
# fresh PostgreSQL database on $BENCH_PG, default
# postgres://postgres@127.0.0.1:5432, with $BENCH_PG_PARAMS added to its
# URL), fluxd's output on a pipe as under a process supervisor (a file
# with BENCH_LOG=file), mints a token, gives the user 8 tasks today and 3
# goals, then runs wrk -t2 on bare and on the route (default
# /api/v1/tasks/today) at the given connections (64) for the given seconds
# (10), and prints both, their ratio, and fluxd's CPU time per request.
# Pass an older fluxd binary to compare versions under the same load.
set -eu
store=${1:-sqlite}
bin=${2:-}
route=${3:-/api/v1/tasks/today}
secs=${4:-10}
conns=${5:-64}
command -v wrk >/dev/null || { echo "bench/wrk.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
dir=$(mktemp -d)
db=
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
cleanup() {
	kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null || true
	sleep 0.5
	if [ -n "$db" ]; then psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; fi
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
go build -o "$dir/bare" ./bench/bare
if [ -z "$bin" ]; then
	go build -o "$dir/fluxd" ./cmd/fluxd
	bin=$dir/fluxd
fi
port=${BENCH_PORT:-18080}
bport=${BENCH_BARE_PORT:-19090}
export PORT=$port FLUX_DATA_DIR=$dir/data LOG_LEVEL=${LOG_LEVEL:-INFO}
if [ "$store" = postgres ]; then
	db=fluxwrk_$$
	psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
	export DATABASE_URL="$pg/$db?sslmode=disable${BENCH_PG_PARAMS:+&$BENCH_PG_PARAMS}"
fi
"$dir/bare" -addr 127.0.0.1:$bport & echo $! >"$dir/bare.pid"
if [ "${BENCH_LOG:-pipe}" = file ]; then
	"$bin" serve >"$dir/fluxd.log" 2>&1 & echo $! >"$dir/fluxd.pid"
else
	mkfifo "$dir/log"
	cat "$dir/log" >"$dir/fluxd.log" & echo $! >"$dir/cat.pid"
	"$bin" serve >"$dir/log" 2>&1 & echo $! >"$dir/fluxd.pid"
fi
api=http://127.0.0.1:$port
for i in $(seq 100); do
	curl -sf "$api/health" >/dev/null && break
	sleep 0.2
done
token=$("$bin" token --user loadtest@example.com --ttl 2h)
today=$(date -u +%Y-%m-%dT)
for h in 08 09 10 11 13 14 15 16; do
	curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"title\":\"Task at $h\",\"duration_minutes\":30,\"scheduled_at\":\"${today}$h:00:00Z\"}" "$api/api/v1/tasks"
done
for g in 1 2 3; do
	curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		-d "{\"title\":\"Goal $g\",\"plan\":false}" "$api/api/v1/goals"
done
sleep 1
# wrk's requests per second and p99.
measure() { wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" | awk '/Requests\/sec/{rps=$2} / 99%/{p99=$2} END{print rps, p99}'; }
b=$(measure "http://127.0.0.1:$bport/")
pid=$(cat "$dir/fluxd.pid")
t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
f=$(measure -H "Authorization: Bearer $token" "$api$route")
t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
echo "$b $f $t0 $t1" | awk -v store="$store" -v route="$route" -v secs="$secs" -v conns="$conns" -v hz="$(getconf CLK_TCK)" '{
	printf "%s, %s, %d connections: bare %.0f req/s (p99 %s), fluxd %.0f req/s (p99 %s), %.3fx bare, fluxd CPU %.0f us/request\n",
		store, route, conns, $1, $2, $3, $4, $3/$1, ($6-$5)/hz*1e6/($3*secs)
}'
