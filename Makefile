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

EXCHANGE_JAR := exchange/target/exchange.jar
BENCH_JAR := bench/target/benchmarks.jar
SOURCES := $(shell find pom.xml protocol config exchange bench -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.yaml' -o -name '*.properties' \) -print 2>/dev/null)

# ARGS is passed to the exchange, e.g. make run ARGS="--port 9090 --config my.yaml"
ARGS ?=

.PHONY: run test build clean bench gate load help

help:
	@echo "make run    build if needed, start Merlin on its embedded default config (port 8080, ./data)"
	@echo "make test   run every test"
	@echo "make build  build the jars without running tests"
	@echo "make bench  run the JMH suite"
	@echo "make clean  remove build output"

run: $(EXCHANGE_JAR)
	$(JAVA) $(JVM_FLAGS) -jar $(EXCHANGE_JAR) $(ARGS)

test:
	$(MVN) $(MVN_FLAGS) install

build: $(EXCHANGE_JAR) $(BENCH_JAR)

$(EXCHANGE_JAR) $(BENCH_JAR): $(SOURCES)
	$(MVN) $(MVN_FLAGS) -q -DskipTests install
	@touch $(EXCHANGE_JAR) $(BENCH_JAR)

# BENCH_ARGS is passed to JMH, e.g. make bench BENCH_ARGS="RequestDecode -f 1"
BENCH_ARGS ?=
bench: $(BENCH_JAR)
	$(JAVA) $(JVM_FLAGS) -jar $(BENCH_JAR) -prof gc $(BENCH_ARGS)

clean:
	$(MVN) $(MVN_FLAGS) -q clean
