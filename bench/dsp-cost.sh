#!/bin/bash
# make dsp-cost: Merlin's CPU per auction and its own time with DSPs, at a fixed rate, after a long warm-up.
# Runs the load generator's fan-out (`--dsps N`, 64 connections; the 0-DSP reference runs first), then, inside the
# N-DSP step, scrapes the forked Merlin's merlin_auction_own_seconds and merlin_auction_dsp_wait_seconds histograms
# and its CPU ticks (/proc/PID/stat utime+stime) at two points 17 s apart, so the figures cover the measured window
# only. Environment (the Makefile sets these): JAVA, JVM_FLAGS, BENCH_JAR, DSPS (1), RATE (1000), WARMUP (40),
# DURATION (40), SKIP (50: seconds after the N-DSP Merlin is forked before the first scrape; the second comes 17 s
# later, so SKIP + 17 must stay below WARMUP + DURATION). Linux only (/proc).
set -euo pipefail
scrape() {
  curl -sf "127.0.0.1:$PORT/metrics" > "$1" || { echo "dsp-cost: Merlin on :$PORT no longer answers;" \
    "keep SKIP + 17 below WARMUP + DURATION (log: $LOG)" >&2; exit 1; }
}
: "${JAVA:=java}" "${JVM_FLAGS:=}" "${BENCH_JAR:=bench/target/benchmarks.jar}" "${DSPS:=1}" "${RATE:=1000}"
: "${WARMUP:=40}" "${DURATION:=40}" "${SKIP:=50}"
if (( SKIP + 17 >= WARMUP + DURATION )); then echo "dsp-cost: SKIP + 17 must stay below WARMUP + DURATION" >&2; exit 2; fi
LOG=$(mktemp /tmp/merlin-dsp-cost.XXXXXX)
A=$(mktemp); B=$(mktemp)
trap 'rm -f "$A" "$B"' EXIT
# shellcheck disable=SC2086
timeout $((WARMUP * 2 + DURATION * 2 + 120)) $JAVA $JVM_FLAGS -Xmx512m -cp "$BENCH_JAR" dev.merlin.bench.load.LoadGenerator \
  --dsps "$DSPS" --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" --fork-warmup 0 --connections 64 \
  --merlin-jvm "-Xms1g -Xmx1g" > "$LOG" 2>&1 &
GEN=$!
for _ in $(seq 1 300); do grep -q "== $DSPS DSPs == Merlin forked" "$LOG" 2>/dev/null && break; sleep 1; done
LINE=$(grep -o "== $DSPS DSPs == Merlin forked (pid [0-9]*, 127.0.0.1:[0-9]*" "$LOG")
PID=${LINE##*pid }; PID=${PID%%,*}; PORT=${LINE##*:}
sleep "$SKIP"
scrape "$A"; T0=$(date +%s%N); C0=$(awk '{print $14+$15}' "/proc/$PID/stat")
sleep 17
scrape "$B"; T1=$(date +%s%N); C1=$(awk '{print $14+$15}' "/proc/$PID/stat")
wait "$GEN" || true
python3 - "$RATE" "$T0" "$T1" "$C0" "$C1" "$A" "$B" <<'PY'
import re, sys
rate, t0, t1, c0, c1 = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def hist(path, name):
    buckets = {}
    for line in open(path):
        m = re.match(name + r'_bucket\{le="([^"]+)"\} (\S+)', line)
        if m:
            buckets[m.group(1)] = float(m.group(2))
    return buckets
secs, cpu = (t1 - t0) / 1e9, (c1 - c0) / 100.0
print(f"window {secs:.1f} s: Merlin used {cpu:.2f} s of CPU = {cpu / secs * 100:.0f} % of a core,"
      f" {cpu / (rate * secs) * 1e6:.0f} us per auction at {rate:.0f} req/s")
for name in ("merlin_auction_own_seconds", "merlin_auction_dsp_wait_seconds"):
    a, b = hist(sys.argv[6], name), hist(sys.argv[7], name)
    keys = sorted(b, key=lambda k: float("inf") if k == "+Inf" else float(k))
    delta = [(k, b[k] - a.get(k, 0)) for k in keys]
    total = delta[-1][1] if delta else 0
    if not total:
        print(f"{name}: no samples")
        continue
    marks = []
    for q in (0.5, 0.99, 0.999):
        marks.append(next(f"p{q * 100:g} <= {k} s" for k, v in delta if v >= q * total))
    print(f"{name}: {total:.0f} requests; " + ", ".join(marks))
PY
tail -6 "$LOG"
echo "load generator log: $LOG"
