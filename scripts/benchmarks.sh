#!/usr/bin/env bash
# Runs the benchmark suite (issue 6) on this machine and writes BENCHMARKS.md and the charts in
# docs/benchmarks/. Every figure is measured beside its reference in the same run: RabbitMQ
# PerfTest (run by the suite from Maven Central), pgbench, psql, wrk and, for issue 16's targets, JobRunr
# (open source, from Maven Central, in the benchmarks module only) on the same PostgreSQL.
# BENCHMARKS.md lists issue 16's targets 1-4 in a table of their own (this system, the peer, the
# ratio, the condition, met or not) and each figure's profile (async-profiler top frames, CPU by thread kind and by step)
# in its notes. Only a full run of every figure writes to the repository. Takes about 30 minutes.
#
#   scripts/benchmarks.sh                 the whole suite (about 30 minutes), results written to the repository
#   scripts/benchmarks.sh --figures 1,2   some figures only, results in benchmarks/target/figures-1-2
#   scripts/benchmarks.sh --quick         short runs and small data, results in benchmarks/target/quick
#   scripts/benchmarks.sh --figures 7 --output benchmarks/target/figure-7   results written elsewhere
#
# Uses the local RabbitMQ (127.0.0.1:5672) and PostgreSQL (127.0.0.1:5432) like the tests, with a
# database and a topology prefix of its own that are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[benchmarks] %s\n' "$*"; }

scripts/local-services.sh

# pgbench and psql come with Debian's PostgreSQL client.
if ! command -v pgbench >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  log "installing pgbench and psql (postgresql-client)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql-client postgresql-contrib
fi
# wrk loads figure 1's accept path: a client in C whose own CPU per request leaves the shared
# cores to the API (the suite's JVM load client spent about 0.5 ms on each).
if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk \
    || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk; }
fi

# perf samples PostgreSQL's backends in figure 2 (where the database's CPU per report goes); without
# it that note says it was not profiled.
if ! command -v perf >/dev/null 2>&1; then
  log "installing perf (linux-perf)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq linux-perf \
    || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq linux-perf; } \
    || log "perf could not be installed: figure 2's PostgreSQL profile is left out"
fi

# The workers mail Postfix's smtp-sink: a C server made for measuring SMTP clients, whose CPU per
# email stays small on the figures' shared cores (GreenMail in the suite's JVM took 0.5 ms, as
# much as the worker's whole send). Only the binary and Postfix's own libraries are extracted from
# Debian's package, into benchmarks/target/postfix; Postfix is neither installed nor started.
postfix_dir=benchmarks/target/postfix
if [ ! -x "$postfix_dir/usr/sbin/smtp-sink" ]; then
  log "extracting smtp-sink from Debian's postfix package"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  download=$(mktemp -d)
  chmod 755 "$download"
  (cd "$download" && { apt-get download -qq postfix >/dev/null 2>&1 \
    || { $sudo apt-get update -qq && apt-get download -qq postfix; }; })
  deb=$(ls "$download"/postfix_*.deb)
  mkdir -p "$postfix_dir"
  dpkg-deb -x "$deb" "$postfix_dir"
  dpkg-deb -f "$deb" Version > "$postfix_dir/VERSION"
  # The shared libraries it needs beyond Postfix's own (Berkeley DB, ICU, ...), from the
  # package's dependencies, where the machine lacks one.
  if LD_LIBRARY_PATH="$postfix_dir/usr/lib/postfix" ldd "$postfix_dir/usr/sbin/smtp-sink" | grep -q 'not found'; then
    libraries=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/^ *([^ (|]+).*/\1/' | grep '^lib' || true)
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $libraries
  fi
  rm -rf "$download"
fi

log "building (profile benchmarks)"
# system-tests' test classes hold GENERATED_FILE, the report type figure 7 adds to its worker.
./mvnw -q -B -ntp -Pbenchmarks package -DskipTests -pl benchmarks,system-tests -am

log "running the suite"
exec java -Xmx1g -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  dev.offload.benchmarks.BenchmarkSuite --root . "$@"
