#!/usr/bin/env bash
# make cluster: the Kafka broker of make kafka in the background, then two Merlin nodes sharing it: node 1 on port
# 8081 (data in $DATA_DIR/node1), node 2 on port 8082 ($DATA_DIR/node2). Ctrl-C stops all three; when one stops, for
# whatever reason, the others are stopped too.
# Nodes of a cluster must share exchange.noticeSecret and privacy.identitySecret (a node refuses to start with
# cluster.kafka.bootstrap without them): both start on $DATA_DIR/cluster.yaml, the embedded default configuration with
# the two published demo secrets below added (start-up refuses them on a host other than loopback). A --config in ARGS
# replaces it, and must then set both itself.
# The Makefile passes: JAVA JVM_FLAGS HEAP_FLAGS EXCHANGE_JAR KAFKA_CP KAFKA_DIR KAFKA_PORT DATA_DIR RUN_ARGS
set -u
NOTICE_SECRET=demo-notice-secret-change-me-0000000000
IDENTITY_SECRET=demo-identity-secret-change-me-00000000
DEFAULT_CONFIG="$(dirname "$0")/../config/src/main/resources/merlin-default.yaml"
CLUSTER_CONFIG="$DATA_DIR/cluster.yaml"
mkdir -p "$DATA_DIR" || exit 1
awk -v notice="$NOTICE_SECRET" -v identity="$IDENTITY_SECRET" '
  { print }
  /^exchange:/ { print "  noticeSecret: " notice }
  /^privacy:/ { print "  identitySecret: " identity }
' "$DEFAULT_CONFIG" > "$CLUSTER_CONFIG" || exit 1
added=$(grep -c -e "^  noticeSecret: $NOTICE_SECRET\$" -e "^  identitySecret: $IDENTITY_SECRET\$" "$CLUSTER_CONFIG")
if [ "$added" != 2 ]; then
  echo "cluster: could not add the shared secrets to $CLUSTER_CONFIG (no exchange: or privacy: section?)" >&2
  exit 1
fi
pids=()
cleanup() {
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 0' INT
trap 'exit 143' TERM

JAVA="$JAVA" KAFKA_CP="$KAFKA_CP" KAFKA_DIR="$KAFKA_DIR" KAFKA_PORT="$KAFKA_PORT" "$(dirname "$0")/kafka.sh" &
pids+=($!)
for _ in $(seq 1 60); do
  (echo > "/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null && break
  sleep 1
done
for node in 1 2; do
  # shellcheck disable=SC2086
  "$JAVA" $JVM_FLAGS $HEAP_FLAGS -jar "$EXCHANGE_JAR" --port "808$node" --data-dir "$DATA_DIR/node$node" \
    --config "$CLUSTER_CONFIG" --node-id "$node" --kafka "127.0.0.1:$KAFKA_PORT" $RUN_ARGS &
  pids+=($!)
done
echo "cluster: Kafka on 127.0.0.1:$KAFKA_PORT, Merlin node 1 on :8081, node 2 on :8082 (Ctrl-C stops all three)"
wait -n "${pids[@]}"
