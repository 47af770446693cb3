# syntax=docker/dockerfile:1
# The runner image: build with Maven on a JDK, run on a JRE as a non-root user, configured only by environment
# variables (PG*, AWS_REGION, KINESIS_STREAM, REPLICATION_SLOT, CDC_*), AWS credentials from the SDK's default chain
# (on EKS: IAM roles for service accounts). No static keys in the image.

# The runner's JVM options, written once: the image runs with them (plus its class data sharing archive, below) and
# bench/run.sh reads them from here. The serial collector (its small live set needs no more; see
# docs/benchmarks.md: it keeps RSS low), a container-aware heap (a share of the pod's memory limit), compact object
# headers (JEP 519: every object 4 bytes smaller), a JIT that inlines less (shallower inlining: half the compiler's
# CPU, the same throughput; the per-call code of the SDK's signer and HTTP client compiled after a fifth of the usual
# invocations, since a steady load calls it only about ten times a second; the JVM's own compile thresholds otherwise:
# raised ones left that code in the interpreter for minutes, docs/benchmarks.md), and a hard exit on OOM so Kubernetes
# restarts the pod. A fixed young generation of 32 MiB (-Xmn32m): the default, a third of the heap, is
# touched whole between collections and was most of the RSS at a steady load; 32 MiB gave 12 MiB less RSS than 48 MiB
# at 2,000 changes/s for the same CPU, but more RSS and collector CPU at 10,000/s (docs/operations.md, "Memory").
ARG RUNNER_JAVA_OPTIONS="-XX:+UseSerialGC -XX:MaxRAMPercentage=75 -XX:+UseCompactObjectHeaders -XX:FreqInlineSize=50 -XX:MaxInlineLevel=4 -XX:InlineSmallCode=500 -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,software/amazon/awssdk/*.*,0.2 -XX:CompileCommand=CompileThresholdScaling,org/apache/http/*.*,0.2 -XX:CompileCommand=inline,software/amazon/awssdk/thirdparty/jackson/core/Base64Variant.encodeBase64Chunk -XX:+ExitOnOutOfMemoryError -Xmn32m"

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Poms first, so the dependency layer is cached while only sources change.
COPY pom.xml ./
COPY test-support/pom.xml test-support/
COPY connector/pom.xml connector/
COPY runner/pom.xml runner/
COPY infra-terraform/pom.xml infra-terraform/
RUN mvn -B -ntp -q dependency:go-offline -pl runner -am || true
COPY test-support/src test-support/src
COPY connector/src connector/src
COPY runner/src runner/src
RUN mvn -B package -DskipTests

# Java 25 at run time, the JVM the benchmark runs Debezium Server on too. The code is built for Java 17, the Kafka
# Connect connector's baseline; on 25 the runner takes less CPU per change (docs/benchmarks.md).
FROM eclipse-temurin:25-jre
ARG RUNNER_JAVA_OPTIONS
RUN groupadd --gid 10001 cdc && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin cdc \
    && mkdir -p /var/lib/cdc && chown 10001:10001 /var/lib/cdc
COPY --from=build /src/runner/target/cdc-runner.jar /app/cdc-runner.jar
# Class data sharing: the classes the runner loads to start and stream (the committed class list, made by
# scripts/cds-classlist.sh) parsed, verified and laid out once here, so every start maps them: about half the start-up
# CPU (docs/benchmarks.md). Dumped at the JAR's final path, which the JVM checks; a mismatch only means a slower start.
COPY runner/src/main/cds/cdc-runner.classlist /app/cdc-runner.classlist
RUN ["java", "-XX:+UseCompactObjectHeaders", "-Xshare:dump", "-XX:SharedClassListFile=/app/cdc-runner.classlist", "-XX:SharedArchiveFile=/app/cdc-runner.jsa", "-cp", "/app/cdc-runner.jar"]
USER 10001:10001
WORKDIR /var/lib/cdc
# MALLOC_ARENA_MAX: glibc's malloc otherwise keeps an arena per thread that allocated natively (TLS, zlib), resident.
ENV JAVA_TOOL_OPTIONS="${RUNNER_JAVA_OPTIONS} -XX:SharedArchiveFile=/app/cdc-runner.jsa" \
    MALLOC_ARENA_MAX=2 \
    CDC_HTTP_BIND_ADDRESS=0.0.0.0 \
    CDC_HTTP_PORT=8080
EXPOSE 8080
# Exec form: java is PID 1 and receives SIGTERM itself, so a pod stop drains, stores and confirms offsets.
ENTRYPOINT ["java", "-jar", "/app/cdc-runner.jar"]
