#!/usr/bin/env bash
# make cluster: the Kafka broker of make kafka in the background, then two Merlin nodes sharing it: node 1 on port
# 8081 (data in $DATA_DIR/node1), node 2 on port 8082 ($DATA_DIR/node2). Ctrl-C stops all three; when one stops, for
# whatever reason, the others are stopped too.
# The Makefile passes: JAVA JVM_FLAGS HEAP_FLAGS EXCHANGE_JAR KAFKA_CP KAFKA_DIR KAFKA_PORT DATA_DIR RUN_ARGS
set -u
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
    --node-id "$node" --kafka "127.0.0.1:$KAFKA_PORT" $RUN_ARGS &
  pids+=($!)
done
echo "cluster: Kafka on 127.0.0.1:$KAFKA_PORT, Merlin node 1 on :8081, node 2 on :8082 (Ctrl-C stops all three)"
wait -n "${pids[@]}"
