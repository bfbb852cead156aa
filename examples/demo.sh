#!/usr/bin/env bash
# make demo: two simulated DSPs (dsp-sim) in the background, then Merlin on examples/demo-dsps.yaml; once Merlin
# answers /health, three sample auctions are sent (with curl, when there is one) and what each DSP saw is shown.
# Merlin keeps running until Ctrl-C; when it stops, for whatever reason, the simulators are stopped too.
# The Makefile passes: JAVA JVM_FLAGS HEAP_FLAGS EXCHANGE_JAR DSP_SIM_JAR DSP_SIM_JVM DEMO_CONFIG DEMO_PORT
# DEMO_DSP_1 DEMO_DSP_2 RUN_ARGS (the last three word-split on purpose: they are flag lists).
set -u
pids=()
cleanup() {
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 0' INT        # Ctrl-C is how the demo ends, as make run
trap 'exit 143' TERM

# shellcheck disable=SC2086
"$JAVA" $DSP_SIM_JVM -jar "$DSP_SIM_JAR" $DEMO_DSP_1 & pids+=($!)
# shellcheck disable=SC2086
"$JAVA" $DSP_SIM_JVM -jar "$DSP_SIM_JAR" $DEMO_DSP_2 & pids+=($!)
# shellcheck disable=SC2086
"$JAVA" $JVM_FLAGS $HEAP_FLAGS -jar "$EXCHANGE_JAR" --config "$DEMO_CONFIG" --port "$DEMO_PORT" $RUN_ARGS &
merlin=$!
pids+=("$merlin")

base="http://127.0.0.1:$DEMO_PORT"
if ! command -v curl >/dev/null 2>&1; then
  echo "demo: no curl here, so no sample auctions; Merlin listens on $base (Ctrl-C stops everything)"
  wait "$merlin"
  exit $?
fi
# Merlin opens its stores first (seconds on a first start): wait for /health, at most 3 minutes
for _ in $(seq 1 360); do
  if ! kill -0 "$merlin" 2>/dev/null; then
    wait "$merlin"
    exit $?
  fi
  curl -sf "$base/health" >/dev/null 2>&1 && break
  sleep 0.5
done

echo
echo "== demo: three auctions sent to Merlin as the demo seller (demo-ssp) =="
for f in examples/requests/iab26spec-simple-banner.json examples/requests/iab26spec-pmp-direct-deal.json \
         examples/requests/iab26spec-simple-banner.json; do
  echo "-- POST $base/openrtb2/auction < $f"
  answer=$(curl -sS -H 'Authorization: Bearer demo-ssp-token' -H 'Content-Type: application/json' \
    --data-binary "@$f" -w '\n   (HTTP %{http_code} in %{time_total} s)' "$base/openrtb2/auction")
  echo "$answer"
  # the seller bills the impression: Merlin's burl, with the price in; Merlin then bills a winning DSP's own burl
  burl=$(printf '%s' "$answer" | grep -o '"burl":"[^"]*"' | head -1 | sed 's/^"burl":"//; s/"$//; s/\\u0026/\&/g')
  price=$(printf '%s' "$answer" | grep -o '"price":[0-9.]*' | head -1 | sed 's/"price"://')
  if [ -n "$burl" ] && [ -n "$price" ]; then
    code=$(curl -gs -o /dev/null -w '%{http_code}' "${burl//\$\{AUCTION_PRICE\}/$price}")
    echo "   billed: GET burl with price $price -> HTTP $code"
  fi
done
echo
echo "== what each simulated DSP saw (GET /summary; /stats has the details and the notices Merlin sent) =="
for port in 9101 9102; do
  echo "dsp-sim :$port  $(curl -s "http://127.0.0.1:$port/summary")"
done
echo
echo "Merlin keeps running on $base: send more with"
echo "  curl -H 'Authorization: Bearer demo-ssp-token' --data-binary @examples/requests/iab26spec-simple-banner.json $base/openrtb2/auction"
echo "Ctrl-C stops Merlin and both DSPs."
wait "$merlin"
