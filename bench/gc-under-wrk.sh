#!/usr/bin/env bash
# make gc-wrk: Merlin as `make run` starts it (HEAP_FLAGS), with a GC log, under wrk (closed loop: as fast as it
# answers) posting one bid request that bids; then how often young pauses came, how long they lasted and how many
# bytes each request allocated, from the GC log of the measured window.
#
# wrk is not a build dependency: on Debian `apt-get install wrk`. Loopback only, bounded in time.
# Environment (the Makefile sets these): JAVA, JVM_FLAGS, HEAP_FLAGS, EXCHANGE_JAR, BENCH_RESULTS,
# WRK_CONNECTIONS (8), WRK_THREADS (2), WRK_WARMUP (10 s), WRK_SECONDS (30 s), WRK_BODY (the request file)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${JAVA:=java}" "${JVM_FLAGS:=}" "${HEAP_FLAGS:=-Xms2g -Xmx2g -Xmn1g -XX:MaxTenuringThreshold=1 -XX:+AlwaysPreTouch -XX:MaxGCPauseMillis=5}"
: "${EXCHANGE_JAR:=exchange/target/exchange.jar}" "${BENCH_RESULTS:=bench-results}"
: "${WRK_CONNECTIONS:=8}" "${WRK_THREADS:=2}" "${WRK_WARMUP:=10}" "${WRK_SECONDS:=30}"
: "${WRK_BODY:=examples/requests/iab26spec-simple-banner.json}"
command -v wrk >/dev/null || { echo "gc-wrk needs wrk (Debian: apt-get install wrk)" >&2; exit 2; }
[ -f "$WRK_BODY" ] || { echo "no request body at $WRK_BODY (WRK_BODY=)" >&2; exit 2; }

mkdir -p "$BENCH_RESULTS"
stamp=$(date -u +%Y%m%d-%H%M%S)
gclog="$BENCH_RESULTS/gc-wrk-$stamp.log"
out="$BENCH_RESULTS/gc-wrk-$stamp.txt"
data=$(mktemp -d)
lua=$(mktemp --suffix .lua)
port=$(( 20000 + RANDOM % 20000 ))
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$data" "$lua"; }
trap cleanup EXIT

# shellcheck disable=SC2086 # flag lists
$JAVA $JVM_FLAGS $HEAP_FLAGS "-Xlog:gc:file=$gclog:uptimemillis" -jar "$EXCHANGE_JAR" --port "$port" \
    --data-dir "$data" >"$data/merlin.out" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$data/merlin.out" >&2; exit 1; }
  sleep 0.1
done
# the answer must be a bid, or the run measures the no-bid path
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer demo-ssp-token' \
    -H 'Content-Type: application/json' --data-binary @"$WRK_BODY" "http://127.0.0.1:$port/openrtb2/auction")
[ "$status" = 200 ] || { echo "the request does not bid (HTTP $status): $WRK_BODY" >&2; exit 1; }

python3 - "$WRK_BODY" >"$lua" <<'EOF'
import json, sys
body = json.dumps(json.load(open(sys.argv[1])), separators=(",", ":"))
print('wrk.method = "POST"')
print('wrk.body = ' + json.dumps(body))
print('wrk.headers["Content-Type"] = "application/json"')
print('wrk.headers["Authorization"] = "Bearer demo-ssp-token"')
print('done = function(summary, latency, requests)')
print('  io.write(string.format("WRK_REQUESTS %d\\n", summary.requests))')
print('  io.write(string.format("WRK_NON2XX %d\\n", summary.errors.status))')
print('end')
EOF

url="http://127.0.0.1:$port/openrtb2/auction"
wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WRK_WARMUP}s" -s "$lua" "$url" >/dev/null
uptime_ms() { jcmd "$pid" VM.uptime | awk '/ s$/ {printf "%d", $1 * 1000}'; }
start_ms=$(uptime_ms)
wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WRK_SECONDS}s" --latency -s "$lua" "$url" | tee "$out"
end_ms=$(uptime_ms)
requests=$(awk '/^WRK_REQUESTS/ {print $2}' "$out")

python3 - "$gclog" "$start_ms" "$end_ms" "$requests" <<'EOF' | tee -a "$out"
import re, sys
log, start, end, requests = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seconds = (end - start) / 1000
pauses = []  # (uptime ms, before MB, after MB, pause ms)
for line in open(log):
    m = re.search(r'\[(\d+)ms\].*Pause Young.* (\d+)M->(\d+)M\(\d+M\) ([\d.]+)ms', line)
    if m:
        pauses.append((int(m.group(1)), int(m.group(2)), int(m.group(3)), float(m.group(4))))
window = [p for p in pauses if p[0] > start]
inside = [p for p in window if p[0] <= end]
print(f"young pauses in the {seconds:.0f} s window: {len(inside)}")
if inside:
    interval = seconds / len(inside)
    durations = sorted(p[3] for p in inside)
    print(f"one every {interval:.2f} s; pause ms min {durations[0]:.2f}, median {durations[len(durations)//2]:.2f},"
          f" max {durations[-1]:.2f}")
# bytes allocated in the window: what each young pause found (before) minus what the previous one left (after)
prev_after = None
for p in pauses:
    if p[0] > start:
        break
    prev_after = p[2]
allocated_mb = 0
for p in window:
    if p[0] > end:
        break
    allocated_mb += p[1] - (prev_after if prev_after is not None else 0)
    prev_after = p[2]
if requests and inside:
    print(f"requests {requests:,} ({requests / seconds:,.0f}/s); allocated about {allocated_mb} MB in the pauses' "
          f"spans = {allocated_mb * 1048576 / requests:,.0f} B per request (lower bound: after the last pause uncounted)")
EOF
echo "GC log: $gclog; summary: $out"
