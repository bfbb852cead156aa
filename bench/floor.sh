#!/bin/bash
# make floor: what one answer costs the server's CPU on this machine, for Merlin and for the least any exchange must
# do, without and with one DSP in the loop, at the same fixed rate:
#   bare        BareHttpServer: answers 204 without reading the body
#   floor       FloorServer: tokenizes the request's JSON with Jackson, answers 200 with a bid-response-sized body
#   floor+dsp   FloorServer --dsp: the same, after sending the request to a simulated DSP and tokenizing its answer
#   merlin      Merlin with the embedded config (internal campaigns only)
#   merlin+dsp  Merlin with the same config and the simulated DSP under dsps:
# Each server runs alone, forked with the make run heap and G1 (which a JVM on one CPU would not pick by itself) on
# CPU 0, with one event loop (what Merlin starts on one CPU); the load generator (open loop, RATE req/s over
# CONNECTIONS keep-alive connections) and the simulated DSP (dsp-sim, bid rate 1) run on the other CPUs, as if
# sellers and DSPs were other machines. The server's CPU (/proc/PID/stat utime+stime) is read 10 s into the measured
# DURATION and again WINDOW seconds later, and divided by the answers of that window (RATE x WINDOW; a run with any
# error, a request not answered at RATE, is printed but left out of the ratios). A ratio of two rows is the ratio of
# their max rates once the server's CPU is the limit, which the generator cannot show on this machine for the fast
# rows (it needs a core of its own to send 60,000 req/s).
# Environment (the Makefile sets these): JAVA, JVM_FLAGS, HEAP_FLAGS, BENCH_JAR, EXCHANGE_JAR, DSP_SIM_JAR,
# RATE (4000), CONNECTIONS (64), WARMUP (40), DURATION (30), WINDOW (15). Linux only (/proc, taskset).
set -euo pipefail
: "${JAVA:=java}" "${JVM_FLAGS:=}" "${HEAP_FLAGS:=-Xms2g -Xmx2g}" "${BENCH_JAR:=bench/target/benchmarks.jar}"
: "${EXCHANGE_JAR:=exchange/target/exchange.jar}" "${DSP_SIM_JAR:=dsp-sim/target/dsp-sim.jar}"
: "${RATE:=4000}" "${CONNECTIONS:=64}" "${WARMUP:=40}" "${DURATION:=30}" "${WINDOW:=15}"
if (( WINDOW + 10 > DURATION )); then echo "floor: WINDOW + 10 must not exceed DURATION" >&2; exit 2; fi
CPUS=$(nproc)
if (( CPUS < 2 )); then echo "floor: needs 2 CPUs (the server on one, the generator on the others)" >&2; exit 2; fi
SERVER_CPU=0
OTHER_CPUS=$( (( CPUS == 2 )) && echo 1 || echo "1-$((CPUS - 1))")
WORK=$(mktemp -d /tmp/merlin-floor.XXXXXX)
PIDS=()
# the servers' data dirs hold gigabytes of Chronicle files: removed on any exit; logs and outputs stay in $WORK
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK/merlin" "$WORK/merlin-dsp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 120); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 1; done
  echo "floor: nothing listens on :$1 after 120 s (see $WORK)" >&2; exit 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

DSP_PORT=$(free_port)
# shellcheck disable=SC2086
taskset -c "$OTHER_CPUS" $JAVA -Xms256m -Xmx512m -jar "$DSP_SIM_JAR" --port "$DSP_PORT" --bid-rate 1 \
  --seat load-seat > "$WORK/dsp-sim.log" 2>&1 &
PIDS+=($!)
wait_port "$DSP_PORT"
DSP_URL="http://127.0.0.1:$DSP_PORT/bid"
unzip -p "$EXCHANGE_JAR" merlin-default.yaml > "$WORK/merlin-dsp.yaml"
printf '\n# the simulated DSP of make floor\ndsps:\n  - id: floor-dsp\n    name: Floor DSP (simulated)\n' \
  >> "$WORK/merlin-dsp.yaml"
printf '    endpoint: %s\n    region: USA\n    maxQps: 0\n' "$DSP_URL" >> "$WORK/merlin-dsp.yaml"

declare -A COST
run() { # NAME, then the server's java arguments with PORT where its port goes
  local name=$1; shift
  local port; port=$(free_port)
  local args=("${@//PORT/$port}")
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CPU" $JAVA $JVM_FLAGS $HEAP_FLAGS -XX:+UseG1GC "${args[@]}" > "$WORK/$name.server.log" 2>&1 &
  local server=$!
  PIDS+=("$server")
  wait_port "$port"
  # shellcheck disable=SC2086
  taskset -c "$OTHER_CPUS" $JAVA $JVM_FLAGS -Xms512m -Xmx512m -cp "$BENCH_JAR" dev.merlin.bench.load.LoadGenerator \
    --target "http://127.0.0.1:$port/openrtb2/auction" --no-bare --rate "$RATE" --connections "$CONNECTIONS" \
    --warmup "$WARMUP" --duration "$DURATION" --out "$WORK/out-$name" > "$WORK/$name.load.log" 2>&1 &
  local generator=$!
  PIDS+=("$generator")
  sleep $((WARMUP + 10))
  local t0 c0 t1 c1
  t0=$(date +%s%N); c0=$(cpu_ticks "$server")
  sleep "$WINDOW"
  t1=$(date +%s%N); c1=$(cpu_ticks "$server")
  wait "$generator" || true
  kill "$server"; wait "$server" 2>/dev/null || true
  local summary errors
  summary=$(grep '^merlin rate' "$WORK/$name.load.log" || echo "no summary (see $WORK/$name.load.log)")
  errors=$(grep -o 'errors [0-9]*' <<< "$summary" | grep -o '[0-9]*' || echo "?")
  local cost verdict=""
  cost=$(python3 -c "print(round(($c1 - $c0) * 10_000 / (($t1 - $t0) / 1e9 * $RATE), 1))")
  COST[$name]=$cost
  if [[ "$errors" != "0" ]]; then
    # some requests were not answered at RATE: the answers are fewer than the division assumes
    COST[$name]=nan
    verdict="   (left out of the ratios: not every request was answered at $RATE req/s)"
  fi
  printf '%-11s %8s us/answer   errors %s%s\n' "$name" "$cost" "$errors" "$verdict"
}

echo "floor: each server alone on CPU $SERVER_CPU, the generator and dsp-sim on CPUs $OTHER_CPUS;" \
  "$RATE req/s over $CONNECTIONS connections, ${WARMUP} s warm-up, CPU over ${WINDOW} s (files: $WORK)"
echo "server      CPU per answer"
run bare -cp "$BENCH_JAR" dev.merlin.bench.load.BareHttpServer --port PORT --io-threads 1
run floor -cp "$BENCH_JAR" dev.merlin.bench.load.FloorServer --port PORT --io-threads 1
run floor+dsp -cp "$BENCH_JAR" dev.merlin.bench.load.FloorServer --port PORT --io-threads 1 --dsp "$DSP_URL"
run merlin -jar "$EXCHANGE_JAR" --data-dir "$WORK/merlin" --port PORT
run merlin+dsp -jar "$EXCHANGE_JAR" --data-dir "$WORK/merlin-dsp" --port PORT --config "$WORK/merlin-dsp.yaml"
python3 - "${COST[bare]}" "${COST[floor]}" "${COST[floor+dsp]}" "${COST[merlin]}" "${COST[merlin+dsp]}" <<'PY'
import sys
bare, floor, floor_dsp, merlin, merlin_dsp = map(float, sys.argv[1:])
def ratio(a, b):
    return "n/a" if a != a or b != b else f"{a / b:.3f}"
def added(a, b):
    return "n/a" if a != a or b != b else f"{b - a:.1f} us"
print(f"internal only, floor/merlin (issue 10 asks 0.8 of a bare server): {ratio(floor, merlin)}"
      f"   (bare/merlin {ratio(bare, merlin)})")
print(f"1 DSP against internal only (issue 11 asks 0.40):  floor {ratio(floor, floor_dsp)}"
      f"   merlin {ratio(merlin, merlin_dsp)}")
print(f"what the DSP round trip adds per answer:  floor {added(floor, floor_dsp)}   merlin {added(merlin, merlin_dsp)}")
PY
