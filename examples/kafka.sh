#!/usr/bin/env bash
# make kafka: a single-node Apache Kafka (KRaft, broker and controller in one process) on 127.0.0.1:9092, from the
# Maven artifacts the tests use (the classpath in $KAFKA_CP), its data under $KAFKA_DIR. The first start formats the
# storage; later starts keep the topics. Runs in the foreground until Ctrl-C.
# The Makefile passes: JAVA KAFKA_CP (a file holding the classpath) KAFKA_DIR KAFKA_PORT
set -eu
mkdir -p "$KAFKA_DIR"
props="$KAFKA_DIR/server.properties"
controller_port=$((KAFKA_PORT + 1))
cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/logs
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
cp="$(cat "$KAFKA_CP")"
if [ ! -f "$KAFKA_DIR/logs/meta.properties" ]; then
  "$JAVA" -cp "$cp" kafka.tools.StorageTool format --standalone -t u-d5b5KfTHyHMDqlMXW4HA -c "$props"
fi
echo "kafka: KRaft broker on 127.0.0.1:$KAFKA_PORT, data in $KAFKA_DIR (Ctrl-C stops it)"
exec "$JAVA" -Xms256m -Xmx1g -cp "$cp" kafka.Kafka "$props"
