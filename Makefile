# Merlin — the two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
MVN ?= mvn
MVN_FLAGS ?= -B -ntp
JAVA ?= java
# JVM flags verified in ../shared/STACK.md (Chronicle Map, Agrona, Netty); the jars carry the module flags in their
# manifests, these add the system properties and the rest for JMH forks.
JVM_FLAGS := --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED \
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
  --enable-native-access=ALL-UNNAMED -Dchronicle.analytics.disable=true -Dchronicle.announcer.disable=true
JAVA_MAJOR := $(shell $(JAVA) -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $$2}')
ifeq ($(shell [ "$(JAVA_MAJOR)" -ge 24 ] 2>/dev/null && echo yes),yes)
JVM_FLAGS += --sun-misc-unsafe-memory-access=allow
endif

# A fixed, pre-touched heap: with the default (a few dozen MB committed) G1 collects every second or two under
# load and p99 goes from ~3 ms to 20+ ms; measured with make load --find-max: 1,625 req/s vs 15,000 req/s.
# A fixed 1 GB young generation, and tenuring after one collection: under wrk at ~64,000 req/s (make gc-wrk) a young
# pause comes every 6.7 s and lasts 2-3 ms. G1's own sizing (-Xmx1g or 2g) kept young at ~600 MB, a pause every
# 3.8 s; -Xmn1g with the default tenuring copied the same ~19 MB of start-up objects at every pause: 12-17 ms.
HEAP_FLAGS ?= -Xms2g -Xmx2g -Xmn1g -XX:MaxTenuringThreshold=1 -XX:+AlwaysPreTouch -XX:MaxGCPauseMillis=5

EXCHANGE_JAR := exchange/target/exchange.jar
BENCH_JAR := bench/target/benchmarks.jar
DSP_SIM_JAR := dsp-sim/target/dsp-sim.jar
SOURCES := $(shell find pom.xml protocol config dsp-sim exchange bench -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.yaml' -o -name '*.properties' \) -print 2>/dev/null)

# ARGS is passed to the exchange, e.g. make run ARGS="--port 9090 --config my.yaml"
ARGS ?=
# DATA_DIR: where make run keeps its stores and event log (--data-dir), and what make events, segments-generate and
# segments-load read; e.g. make run DATA_DIR=/tmp/m, then make events DATA_DIR=/tmp/m. make run passes --data-dir
# only when DATA_DIR is given, so otherwise a --config file's dataDir holds.
DATA_DIR ?= ./data
RUN_DATA_DIR = $(if $(filter file,$(origin DATA_DIR)),,--data-dir $(DATA_DIR))

# A recipe prints a short line saying what runs; make V=1 prints every command in full instead.
V ?=
Q = $(if $(V),,@)
show = $(if $(V),,$(info $(1)))

.PHONY: dsp-pairs kafka cluster dsp-sim demo gc-wrk fuzz soak crash-test run test build clean bench gate load help events segments-generate segments-load

help:
	@echo "make run    build if needed, start Merlin on its embedded default config (port 8080, ./data);"
	@echo "            ARGS=\"--port 9090\" passes flags, DATA_DIR=DIR the data dir; Ctrl-C stops it cleanly"
	@echo "make demo   Merlin as an exchange: two simulated DSPs (Japan :9101, Germany :9102) and Merlin on"
	@echo "            examples/demo-dsps.yaml; Ctrl-C stops all three"
	@echo "make dsp-sim  one simulated DSP (ARGS=\"--port 9101 --bid-rate 0.8 --latency-ms 5\"; ARGS=--help)"
	@echo "make test   run every test"
	@echo "make build  build the jars without running tests"
	@echo "make bench  run the JMH suite"
	@echo "make gate   the short benchmark run and its budgets (bench/gates.yaml)"
	@echo "make load   the open-loop load generator (ARGS=--help)"
	@echo "make load-churn  p99 with a catalogue change every second vs without; make load-change: how soon a pause"
	@echo "            reaches the auction at 100,000 campaigns"
	@echo "make dsp-cost CPU per auction and Merlin's own time with DSPs (DSPS=1 RATE=1000)"
	@echo "make floor  Merlin's CPU per answer beside a minimal server's, without and with a DSP (RATE=4000)"
	@echo "make dsp-pairs throughput with a simulated DSP against internal campaigns only, alternating pairs (about 8 min;"
	@echo "               ARGS='--baseline OLD.jar': that build against this one, both calling the DSP;"
	@echo "               ARGS='--merlin-cpus 0': Merlin on CPU 0, the generator and the DSP on the others)"
	@echo "make gc-wrk GC pauses and bytes per request under wrk, as make run starts Merlin (needs wrk)"
	@echo "make soak   10 min of the realistic mix at 80 % of its max rate against a forked Merlin (SOAK_SECONDS=, RATE=)"
	@echo "make crash-test  kill -9 in the middle of the mix, restart, check stores, spend and the event log"
	@echo "make events print the event log under DATA_DIR (ARGS=--count, --type PIXEL)"
	@echo "make segments-generate / segments-load   fill the segment store with synthetic users"
	@echo "make segments-publish KAFKA=HOST:PORT NODE_ID=N  a stopped node's store to the cluster's segments topic"
	@echo "make fuzz   fuzz each Jazzer target in turn (FUZZ_TARGET=module:Class for one, FUZZ_TIME=10m for how long each)"
	@echo "make kafka  a single-node Kafka (KRaft) on 127.0.0.1:9092, data in DATA_DIR/kafka; Ctrl-C stops it"
	@echo "make cluster  that Kafka and two Merlin nodes sharing it (:8081 node 1, :8082 node 2; DATA_DIR/node1, node2)"
	@echo "make kafka-outage  the broker killed for 10 s under load: answers go on, and the topic holds every event"
	@echo "make kafka-cost    throughput with Kafka against without, same run (9 alternating pairs, about 8 min)"
	@echo "make clean  remove build output"
	@echo "V=1         print each command in full (make run V=1)"

run: $(EXCHANGE_JAR)
	$(call show,java -jar $(EXCHANGE_JAR) $(RUN_DATA_DIR) $(ARGS)   (make V=1 shows the JVM flags))
	$(Q)$(JAVA) $(JVM_FLAGS) $(HEAP_FLAGS) -jar $(EXCHANGE_JAR) $(RUN_DATA_DIR) $(ARGS)

test:
	$(MVN) $(MVN_FLAGS) install

build: $(EXCHANGE_JAR) $(BENCH_JAR) $(DSP_SIM_JAR)

$(EXCHANGE_JAR) $(BENCH_JAR) $(DSP_SIM_JAR): $(SOURCES)
	$(MVN) $(MVN_FLAGS) -q -DskipTests install
	@touch $(EXCHANGE_JAR) $(BENCH_JAR) $(DSP_SIM_JAR)

# make dsp-sim: one simulated DSP (dsp-sim/target/dsp-sim.jar) in the foreground until Ctrl-C, e.g.
# make dsp-sim ARGS="--port 9101 --bid-rate 0.8 --latency-ms lognormal:5:40 --price 0.5..3 --fault reset=0.01"
DSP_SIM_JVM ?= -Xms64m -Xmx512m
dsp-sim: $(DSP_SIM_JAR)
	$(call show,java -jar $(DSP_SIM_JAR) $(ARGS))
	$(Q)$(JAVA) $(DSP_SIM_JVM) -jar $(DSP_SIM_JAR) $(ARGS)

# make demo (examples/demo.sh): the two DSPs of examples/demo-dsps.yaml as simulators in the background, Merlin on
# that config, three sample auctions once it answers /health (with curl, when there is one) and what each DSP saw;
# Merlin runs until Ctrl-C and the simulators stop with it. ARGS go to Merlin; DEMO_DSP_1/2 are the simulators' flags.
DEMO_CONFIG ?= examples/demo-dsps.yaml
DEMO_PORT ?= 8080
DEMO_DSP_1 ?= --port 9101 --seat tokyo-seat-1 --currency USD --bid-rate 0.9 --latency-ms lognormal:8:40 \
  --price 0.5..4 --seed 1
DEMO_DSP_2 ?= --port 9102 --seat ffm-seat-1 --currency USD --bid-rate 0.7 --latency-ms lognormal:15:80 \
  --price 0.5..3.5 --gzip-rate 1 --seed 2
demo: $(EXCHANGE_JAR) $(DSP_SIM_JAR)
	$(call show,examples/demo.sh: dsp-sim :9101 & dsp-sim :9102 & java -jar $(EXCHANGE_JAR) --config $(DEMO_CONFIG))
	$(Q)JAVA="$(JAVA)" JVM_FLAGS="$(JVM_FLAGS)" HEAP_FLAGS="$(HEAP_FLAGS)" EXCHANGE_JAR="$(EXCHANGE_JAR)" \
	  DSP_SIM_JAR="$(DSP_SIM_JAR)" DSP_SIM_JVM="$(DSP_SIM_JVM)" DEMO_CONFIG="$(DEMO_CONFIG)" DEMO_PORT="$(DEMO_PORT)" \
	  DEMO_DSP_1="$(DEMO_DSP_1)" DEMO_DSP_2="$(DEMO_DSP_2)" RUN_ARGS="$(RUN_DATA_DIR) $(ARGS)" examples/demo.sh

# make kafka / make cluster (examples/kafka.sh, examples/cluster.sh): Kafka from the Maven artifacts the Kafka tests
# use (exchange's test classpath, written to KAFKA_CP by the dependency plugin), one KRaft node on KAFKA_PORT and the
# next port (its controller); make cluster adds Merlin nodes 1 and 2 on 8081 and 8082 with --kafka.
KAFKA_CP := exchange/target/kafka.classpath
KAFKA_PORT ?= 9092
KAFKA_DIR ?= $(DATA_DIR)/kafka
$(KAFKA_CP): pom.xml exchange/pom.xml $(EXCHANGE_JAR)
	$(MVN) $(MVN_FLAGS) -q -pl exchange org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
	  -Dmdep.includeScope=test -Dmdep.outputFile=target/kafka.classpath
kafka: $(KAFKA_CP)
	$(Q)JAVA="$(JAVA)" KAFKA_CP="$(KAFKA_CP)" KAFKA_DIR="$(KAFKA_DIR)" KAFKA_PORT="$(KAFKA_PORT)" examples/kafka.sh
cluster: $(KAFKA_CP) $(EXCHANGE_JAR)
	$(Q)JAVA="$(JAVA)" JVM_FLAGS="$(JVM_FLAGS)" HEAP_FLAGS="$(HEAP_FLAGS)" EXCHANGE_JAR="$(EXCHANGE_JAR)" \
	  KAFKA_CP="$(KAFKA_CP)" KAFKA_DIR="$(KAFKA_DIR)" KAFKA_PORT="$(KAFKA_PORT)" DATA_DIR="$(DATA_DIR)" \
	  RUN_ARGS="$(ARGS)" examples/cluster.sh

# JMH forks inherit the host JVM's flags, so JVM_FLAGS go on the host command line and never in -jvmArgsAppend
# (it would replace the flags the forks need; shared/STACK.md pitfall 4).
BENCH_RESULTS := bench-results
BENCH_MAIN = $(JAVA) $(JVM_FLAGS) -cp $(BENCH_JAR)

# make bench: the full suite, 2 forks, warm-up and measurement from each benchmark's annotations;
# JSON in bench-results/jmh.json, JMH's log in jmh.log, a compact table in jmh-table.txt.
# BENCH_ARGS is passed to JMH, e.g. make bench BENCH_ARGS="RequestDecode"
BENCH_ARGS ?=
bench: $(BENCH_JAR)
	@mkdir -p $(BENCH_RESULTS)
	$(call show,java -jar $(BENCH_JAR) -f 2 -prof gc ... $(BENCH_ARGS)   (make V=1 shows it all))
	$(Q)set -o pipefail; $(JAVA) $(JVM_FLAGS) -jar $(BENCH_JAR) -f 2 -prof gc -foe true \
	  -rf json -rff $(BENCH_RESULTS)/jmh.json $(BENCH_ARGS) 2>&1 | tee $(BENCH_RESULTS)/jmh.log
	$(call show,Gate --table $(BENCH_RESULTS)/jmh.json)
	$(Q)set -o pipefail; $(BENCH_MAIN) dev.merlin.bench.gate.Gate --table $(BENCH_RESULTS)/jmh.json \
	  | tee $(BENCH_RESULTS)/jmh-table.txt

# make gate: a short JMH run of only the benchmarks bench/gates.yaml names (and their baselines), then the budgets
# (bench/gate.sh). Fails on any FAIL or MISSING; a failure is measured once more before it fails the build.
# About 40 s per attempt for the decode and encode budgets on 2 cores.
# -p campaigns=100000: AuctionBenchmark's gated row (make bench runs 1k, 10k, 100k and 1M campaigns)
# -p answer=typical: BidResponseDecodeBenchmark's gated row (make bench also runs its large answer)
GATE_JMH ?= -f 1 -wi 5 -w 1s -i 10 -r 500ms -p users=200000 -p campaigns=100000 -p answer=typical
# another JMH run on the machine holds /tmp/jmh.lock: wait up to this long for it
GATE_LOCK_WAIT_SECONDS ?= 120
gate: $(BENCH_JAR)
	$(call show,bench/gate.sh   (JMH $(GATE_JMH)))
	$(Q)JAVA="$(JAVA)" JVM_FLAGS="$(JVM_FLAGS)" BENCH_JAR="$(BENCH_JAR)" GATE_JMH="$(GATE_JMH)" \
	  BENCH_RESULTS="$(BENCH_RESULTS)" GATE_LOCK_WAIT_SECONDS="$(GATE_LOCK_WAIT_SECONDS)" bench/gate.sh

# make load: the open-loop load generator; ARGS go to it, e.g. make load ARGS='--find-max --duration 5'
# (make load ARGS=--help lists the options). Default: Merlin (exchange.jar) and the bare 204 server each forked in a
# JVM of its own with make run's heap flags, the shared samples, 2000 req/s for 10 s; --in-process runs both in the
# generator's JVM instead.
# DSP fan-out: make load ARGS='--dsps 1,3 --find-max' forks Merlin (exchange.jar) with 0, 1 and 3 simulated DSPs
# in turn and reports each against the internal-only run (bench-results/load-fanout.json).
load: $(EXCHANGE_JAR) $(BENCH_JAR)
	$(call show,LoadGenerator $(ARGS)   (make V=1 shows the java command))
	$(Q)$(JAVA) $(JVM_FLAGS) $(HEAP_FLAGS) -cp $(BENCH_JAR) dev.merlin.bench.load.LoadGenerator $(ARGS)

# make load-churn: the valid samples at a fixed rate for a step without catalogue changes, then the same step while a
# bid is changed through the admin API every second; failed requests and p99 with vs without (CatalogueChurn).
# ARGS e.g. '--rate 1000 --duration 60 --connections 4'.
.PHONY: load-churn
load-churn: $(BENCH_JAR)
	$(Q)$(JAVA) $(JVM_FLAGS) $(HEAP_FLAGS) -cp $(BENCH_JAR) dev.merlin.bench.load.CatalogueChurn $(ARGS)

# make load-change: how soon a pause through the admin API reaches the auction, and a resume (which waits for the
# catalogue build), with 100,000 synthetic campaigns (CatalogueChangeLatency). ARGS e.g. '--campaigns 1000000
# --trials 10'; a large catalogue needs a larger heap: CHANGE_HEAP.
CHANGE_HEAP ?= -Xms4g -Xmx4g -XX:+AlwaysPreTouch
.PHONY: load-change
load-change: $(BENCH_JAR)
	$(Q)$(JAVA) $(JVM_FLAGS) $(CHANGE_HEAP) -cp $(BENCH_JAR) dev.merlin.bench.load.CatalogueChangeLatency $(ARGS)

# make kafka-outage: Merlin publishing its event log to a real broker (a child process on free ports) under load at
# 1,000 req/s; the broker is killed 10 s in and started again 10 s later; then the topic is read whole and its
# distinct records counted against the local log (KafkaOutage). ARGS e.g. '--rate 2000 --down-for 20'.
.PHONY: kafka-outage
kafka-outage: $(KAFKA_CP) $(BENCH_JAR)
	$(Q)$(JAVA) $(JVM_FLAGS) $(HEAP_FLAGS) -cp $(BENCH_JAR) dev.merlin.bench.load.KafkaOutage --kafka-cp $(KAFKA_CP) $(ARGS)

# make kafka-cost: Merlin without Kafka and with a real broker, both forked, at saturation in alternating 10 s slices
# (KafkaCost, PairedSlices), judged on the median of 9 pairs; ARGS e.g. '--pairs 15' or '--broker-nice 0';
# '--find-max --fork' for make load's find-max of each kind in turn, 3 rounds (about 25 min).
.PHONY: kafka-cost
kafka-cost: $(KAFKA_CP) $(BENCH_JAR)
	$(Q)$(JAVA) $(JVM_FLAGS) $(HEAP_FLAGS) -cp $(BENCH_JAR) dev.merlin.bench.load.KafkaCost --kafka-cp $(KAFKA_CP) $(ARGS)

# make soak: Merlin forked as `java -jar exchange.jar` with HEAP_FLAGS (fresh temp data dir, free port), its max rate
# for the realistic mix found first (or RATE=), then SOAK_SECONDS at 80 % of it, open loop; PASS/FAIL table, exit 1 on
# a FAIL, bench-results/soak-*.json|txt. make crash-test: the mix at CRASH_RATE, kill -9 after CRASH_KILL_AFTER s,
# restart, checks; bench-results/crash-*.json|txt. SOAK_ARGS go to the generator (e.g. --connections 8).
SOAK_SECONDS ?= 600
RATE ?=
CRASH_RATE ?= 500
CRASH_KILL_AFTER ?= 20
SOAK_ARGS ?=
SOAK_MAIN = $(JAVA) $(JVM_FLAGS) -cp $(BENCH_JAR) dev.merlin.bench.load.LoadGenerator --merlin-jar $(EXCHANGE_JAR) \
  --merlin-jvm "$(JVM_FLAGS) $(HEAP_FLAGS)" --out $(BENCH_RESULTS)
soak: $(EXCHANGE_JAR) $(BENCH_JAR)
	$(SOAK_MAIN) --soak --soak-seconds $(SOAK_SECONDS) --duration 5 $(if $(RATE),--rate $(RATE)) $(SOAK_ARGS)
crash-test: $(EXCHANGE_JAR) $(BENCH_JAR)
	$(SOAK_MAIN) --crash --rate $(CRASH_RATE) --kill-after $(CRASH_KILL_AFTER) $(SOAK_ARGS)

# make gc-wrk: Merlin as make run starts it, with a GC log, under wrk (WRK_CONNECTIONS=8, WRK_SECONDS=30) posting
# one bid request; prints how often young pauses came, how long, and bytes allocated per request (needs wrk).
gc-wrk: $(EXCHANGE_JAR)
	$(Q)JAVA="$(JAVA)" JVM_FLAGS="$(JVM_FLAGS)" HEAP_FLAGS="$(HEAP_FLAGS)" EXCHANGE_JAR="$(EXCHANGE_JAR)" \
	  BENCH_RESULTS="$(BENCH_RESULTS)" bench/gc-under-wrk.sh

# make dsp-cost: Merlin's CPU per auction and own time with DSPs at a fixed rate after a long warm-up (DSPS=1,
# RATE=1000, WARMUP=40, DURATION=40; Linux /proc), beside the same run's 0-DSP reference (about 3.5 min).
dsp-cost: $(BENCH_JAR)
	$(Q)JAVA="$(JAVA)" JVM_FLAGS="$(JVM_FLAGS)" BENCH_JAR="$(BENCH_JAR)" bench/dsp-cost.sh

# make floor: Merlin's CPU per answer beside the least any exchange must do (tokenize the request's JSON and answer;
# FloorServer), without and with one simulated DSP in the loop, each server alone on CPU 0 at RATE (4000) req/s,
# the generator and the DSP on the other CPUs (bench/floor.sh; about 7 min). E.g. make floor RATE=7000.
.PHONY: floor
floor: $(EXCHANGE_JAR) $(BENCH_JAR) $(DSP_SIM_JAR)
	$(Q)JAVA="$(JAVA)" JVM_FLAGS="$(JVM_FLAGS)" HEAP_FLAGS="$(HEAP_FLAGS)" BENCH_JAR="$(BENCH_JAR)" \
	  EXCHANGE_JAR="$(EXCHANGE_JAR)" DSP_SIM_JAR="$(DSP_SIM_JAR)" bench/floor.sh

# make dsp-pairs: Merlin with internal campaigns only against Merlin calling a simulated DSP (in the generator's JVM),
# both forked, at saturation in alternating 10 s slices (DspPairs, PairedSlices), judged on the median of 9 pairs;
# ARGS e.g. '--dsps 3' or '--dsp-latency 5' (ms); '--baseline OLD.jar' compares that build with this one instead,
# both calling the simulated DSP (a DSP-path change judged in the same slices); '--merlin-cpus 0' runs both forks on
# CPU 0 and the generator with the simulator on the other CPUs (taskset), as if sellers and DSPs were other machines.
# '--transport io_uring' sets both forks' server.transport; '--baseline-transport epoll' the baseline's alone (this
# build on two transports, both calling the DSP, when no --baseline jar is given). '--pipelining 8' lets each
# connection to the simulated DSP carry 8 requests at once (dsps[].pipelining); '--baseline-pipelining 1' the
# baseline's alone, to compare the two.
dsp-pairs: $(EXCHANGE_JAR) $(BENCH_JAR)
	$(Q)$(JAVA) $(JVM_FLAGS) $(HEAP_FLAGS) -cp $(BENCH_JAR) dev.merlin.bench.load.DspPairs $(ARGS)

# make events: print the event log as JSON lines, e.g. make events ARGS="--type PIXEL" or ARGS=--count
events: $(EXCHANGE_JAR)
	$(call show,EventLogReader --data-dir $(DATA_DIR) $(ARGS))
	$(Q)$(JAVA) $(JVM_FLAGS) -cp $(EXCHANGE_JAR) dev.merlin.exchange.events.EventLogReader --data-dir $(DATA_DIR) $(ARGS)

# make segments-generate USERS=1000000: a synthetic user-key,segment,ttl file; make segments-load FILE=...:
# bulk-load it into the segment store under DATA_DIR (with a progress bar). Stop the exchange first: the store
# is opened by one process at a time.
USERS ?= 1000000
SEGMENTS_PER_USER ?= 8
FILE ?= $(DATA_DIR)/segments-$(USERS).csv
segments-generate: $(EXCHANGE_JAR)
	@mkdir -p $(DATA_DIR)
	$(call show,SegmentLoader --generate $(USERS) --segments $(SEGMENTS_PER_USER) $(FILE))
	$(Q)$(JAVA) $(JVM_FLAGS) -cp $(EXCHANGE_JAR) dev.merlin.exchange.segments.SegmentLoader --generate $(USERS) \
	  --segments $(SEGMENTS_PER_USER) $(FILE)
segments-load: $(EXCHANGE_JAR)
	$(call show,SegmentLoader --data-dir $(DATA_DIR) $(FILE))
	$(Q)$(JAVA) $(JVM_FLAGS) -cp $(EXCHANGE_JAR) dev.merlin.exchange.segments.SegmentLoader --data-dir $(DATA_DIR) \
	  $(FILE)
# make segments-publish KAFKA=HOST:PORT NODE_ID=N: a stopped node's whole segment store (after segments-load) to the
# cluster's segments topic, so that every node holds the loaded users (SegmentPublish); TOPIC_PREFIX if not merlin.
KAFKA ?=
NODE_ID ?= 0
TOPIC_PREFIX ?= merlin.
.PHONY: segments-publish
segments-publish: $(EXCHANGE_JAR)
	$(call show,SegmentPublish --data-dir $(DATA_DIR) --kafka $(KAFKA) --node-id $(NODE_ID))
	$(Q)$(JAVA) $(JVM_FLAGS) -cp $(EXCHANGE_JAR) dev.merlin.exchange.cluster.SegmentPublish --data-dir $(DATA_DIR) \
	  --kafka $(KAFKA) --topic-prefix $(TOPIC_PREFIX) --node-id $(NODE_ID)

clean:
	$(MVN) $(MVN_FLAGS) -q clean

# make fuzz: Jazzer's JUnit fuzzing mode (JAZZER_FUZZ=1), one @FuzzTest at a time, each for FUZZ_TIME (default 85 s:
# about 11 minutes over the eight targets); FUZZ_TARGET=module:Class runs one; FUZZ_TIME (600, 90s, 10m, 1h) overrides
# every target's maxDuration (it becomes libFuzzer's -max_total_time, passed last so it wins), e.g.
# make fuzz FUZZ_TARGET=exchange:EventsBatchFuzzTest FUZZ_TIME=10m; FUZZ_ROUNDS=6 runs each 6 times in a row
# (each round starts from the corpus the rounds before it grew in <module>/.cifuzz-corpus).
# New findings land as crash-* reproducers in the target's src/test/resources/.../<Class>Inputs/<method>/ and
# `make test` replays them.
FUZZ_TARGETS := protocol:BidRequestDecoderFuzzTest protocol:BidResponseDecoderFuzzTest config:ConfigLoaderFuzzTest \
  exchange:SegmentLineParserFuzzTest exchange:ConsentFuzzTest exchange:EventsBatchFuzzTest exchange:FrontDoorFuzzTest
FUZZ_TARGET ?=
FUZZ_ROUNDS ?= 1
FUZZ_TIME ?= 85
FUZZ_SECONDS = $(strip $(if $(filter %h,$(FUZZ_TIME)),$(shell expr $(FUZZ_TIME:h=) \* 3600),\
  $(if $(filter %m,$(FUZZ_TIME)),$(shell expr $(FUZZ_TIME:m=) \* 60),$(FUZZ_TIME:s=))))
FUZZ_TIME_FLAGS = $(if $(FUZZ_TIME),-Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time=$(FUZZ_SECONDS))
fuzz:
	$(MVN) $(MVN_FLAGS) -q -DskipTests install
	@set -e; for t in $(or $(FUZZ_TARGET),$(FUZZ_TARGETS)); do for r in $$(seq 1 $(FUZZ_ROUNDS)); do \
	  echo "== fuzzing $$t (round $$r of $(FUZZ_ROUNDS))$(if $(FUZZ_TIME), for $(FUZZ_SECONDS) s)"; \
	  JAZZER_FUZZ=1 $(MVN) $(MVN_FLAGS) -pl $${t%%:*} test -Dtest=$${t#*:} -Dsurefire.failIfNoSpecifiedTests=false \
	    $(FUZZ_TIME_FLAGS); done; done
