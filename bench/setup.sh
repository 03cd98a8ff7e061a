# bench/setup.sh is sourced by bench/run.sh and bench/wrk.sh, after they set
# store (sqlite or postgres), bin (a fluxd binary, or empty to build one)
# and log (pipe or file). It builds bench/bare (and fluxd), starts bare on
# $bport and a fresh fluxd on $port (SQLite in a temporary directory, or a
# fresh PostgreSQL database on $BENCH_PG, default
# postgres://postgres@127.0.0.1:5432, with $BENCH_PG_PARAMS added to its
# URL), fluxd's output on a pipe as under a process supervisor or in a
# file, mints a token and gives its user 8 tasks today and 3 goals. It sets
# dir, api, token, port and bport, and removes everything on exit.
dir=$(mktemp -d)
db=
pg=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
cleanup() {
	kill $(cat "$dir"/*.pid 2>/dev/null) 2>/dev/null || true
	sleep 1
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
	db=fluxbench_$$
	psql "$pg/postgres" -qc "CREATE DATABASE $db" >/dev/null
	export DATABASE_URL="$pg/$db?sslmode=disable${BENCH_PG_PARAMS:+&$BENCH_PG_PARAMS}"
fi
"$dir/bare" -addr 127.0.0.1:$bport & echo $! >"$dir/bare.pid"
if [ "$log" = file ]; then
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
