#!/bin/sh
# bench/wrk.sh measures one fluxd route against bench/bare with wrk
# (https://github.com/wg/wrk, Debian's package wrk), in one run.
#
#   bench/wrk.sh [sqlite|postgres] [fluxd binary] [route] [seconds] [connections]
#
# It starts bare and a fresh fluxd with a user who has 8 tasks today and 3
# goals (bench/setup.sh: fluxd's output on a pipe, as under a process
# supervisor, or in a file with BENCH_LOG=file; PostgreSQL on $BENCH_PG
# with $BENCH_PG_PARAMS), then runs wrk -t2 on bare and on the route
# (default /api/v1/tasks/today) at the given connections (64) for the given
# seconds (10), and prints both, their ratio, and fluxd's CPU time per
# request.
# Pass an older fluxd binary to compare versions under the same load.
set -eu
store=${1:-sqlite}
bin=${2:-}
route=${3:-/api/v1/tasks/today}
secs=${4:-10}
conns=${5:-64}
command -v wrk >/dev/null || { echo "bench/wrk.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
log=${BENCH_LOG:-pipe}
. "$(dirname "$0")/setup.sh"
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
