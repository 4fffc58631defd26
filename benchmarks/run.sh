#!/usr/bin/env bash
# Runs fluxtrace's benchmarks beside their peers (plain Reactor, OpenTelemetry Java SDK).
#
#   benchmarks/run.sh smoke   every benchmark and harness once, briefly; exits non-zero if any fails (CI, < 3 min)
#   benchmarks/run.sh quick   the whole set with short iterations (< 5 min); figures good for ratios, not decimals
#   benchmarks/run.sh full    longer iterations, gzip and 2 KB export variants, bigger harness runs (~25 min)
#
# Results go to benchmarks/target/results/<mode>-<time>/: JMH JSON, the harness logs, summary.md (medians and the
# ratios to the peers) and environment.txt (JDK, CPU, load average). Environment:
#   JAVA=/path/to/java     the JVM to measure (default: java on PATH)
#   BENCH_SKIP_BUILD=1     use the benchmarks.jar already built
#   MVN_ARGS="-o"          extra Maven arguments for the build (for example offline)
#   JMH_EXTRA="..."        extra JMH arguments, appended (for example "-prof stack")
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-quick}"
java_bin="${JAVA:-java}"
jar=benchmarks/target/benchmarks.jar

case "$mode" in
  smoke)
    # One short iteration each, no warm-up; -foe: the first failing benchmark fails the run.
    jmh_opts=(-f 1 -wi 0 -i 1 -r 100ms -foe true)
    export_params=()
    memory_spans=2000; memory_bound_mib=16; outage_spans=20000; load_args=(4 1 1 1); caller_rounds=2; export_cpu_rounds=1
    ;;
  quick)
    jmh_opts=(-f 1 -wi 2 -w 500ms -i 3 -r 1s -foe true -prof gc)
    export_params=()
    memory_spans=20000; memory_bound_mib=32; outage_spans=1000000; load_args=(16 4 2 1); caller_rounds=30; export_cpu_rounds=20
    ;;
  full)
    jmh_opts=(-f 1 -wi 3 -w 1s -i 5 -r 2s -foe true -prof gc)
    export_params=(-p compression=none,gzip -p contentChars=256,2048)
    memory_spans=50000; memory_bound_mib=64; outage_spans=1000000; load_args=(16 10 5 1); caller_rounds=60; export_cpu_rounds=40
    ;;
  *)
    echo "usage: $0 smoke|quick|full" >&2
    exit 2
    ;;
esac
# shellcheck disable=SC2206
extra=(${JMH_EXTRA:-})

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  # shellcheck disable=SC2086
  ./mvnw -B -q ${MVN_ARGS:-} -pl benchmarks -am package -DskipTests
fi

out="benchmarks/target/results/$mode-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
{
  echo "mode: $mode"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "java: $("$java_bin" -version 2>&1 | tr '\n' ' ')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | xargs || echo unknown), $(nproc 2>/dev/null || echo ?) cores"
  echo "memory: $(grep -m1 MemTotal /proc/meminfo 2>/dev/null | awk '{printf "%.1f GiB", $2/1048576}' || echo unknown)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
} > "$out/environment.txt"
cat "$out/environment.txt"

started=$SECONDS
step() { echo; echo "== $* ($((SECONDS - started)) s)"; }

step "JMH: caller path, span cost, hand-off, streaming generation, disabled/sampled out, tail sampling"
"$java_bin" -jar "$jar" \
  'io\.fluxtrace\.benchmarks\.(CallerPath|SpanCost|GenerationCost|Handoff|StreamingGeneration|DisabledTracing|TailSampling)Benchmark' \
  "${jmh_opts[@]}" "${extra[@]}" -rf json -rff "$out/jmh.json" | tee "$out/jmh.log"

step "JMH: export throughput"
"$java_bin" -jar "$jar" 'io\.fluxtrace\.benchmarks\.ExportThroughputBenchmark' \
  "${jmh_opts[@]}" "${export_params[@]}" "${extra[@]}" -rf json -rff "$out/jmh-export.json" | tee "$out/jmh-export.log"

step "harness: memory per queued span, and the byte bound vs the heap per kind and size of text"
"$java_bin" -Xmx1g -cp "$jar" io.fluxtrace.benchmarks.QueuedSpanMemory "$memory_spans" "$memory_bound_mib" \
  | tee "$out/memory.log"

step "harness: the caller thread's own CPU time and allocation per generation span, 2 KB and 100 KB prompts"
"$java_bin" -Xmx1g -cp "$jar" io.fluxtrace.benchmarks.CallerThreadCost "$caller_rounds" | tee "$out/caller-thread.log"

step "harness: encoding one request body, JSON and protobuf, in the encoding thread's CPU time"
"$java_bin" -cp "$jar" io.fluxtrace.benchmarks.WireEncodingHarness 256 | tee "$out/wire-encoding.log"

step "harness: where the CPU of exporting goes, per span and thread group"
"$java_bin" -Xms1g -Xmx1g -cp "$jar" io.fluxtrace.benchmarks.ExportCpuHarness "$export_cpu_rounds" | tee "$out/export-cpu.log"

step "harness: memory per span held by tail sampling"
"$java_bin" -Xmx1g -cp "$jar" io.fluxtrace.benchmarks.HeldSpanMemory "$memory_spans" | tee "$out/held-memory.log"

step "harness: outage"
"$java_bin" -Xmx512m -cp "$jar" io.fluxtrace.benchmarks.OutageHarness "$outage_spans" | tee "$out/outage.log"

step "harness: load, tracing on vs off"
"$java_bin" -Xmx1g -cp "$jar" io.fluxtrace.benchmarks.LoadHarness "${load_args[@]}" | tee "$out/load.log"

step "summary"
"$java_bin" -cp "$jar" io.fluxtrace.benchmarks.Summary "$out/jmh.json" "$out/jmh-export.json" "$out/memory.log" "$out/caller-thread.log" \
  | tee "$out/summary.md"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)" | tee -a "$out/environment.txt"
echo
echo "$mode run done in $((SECONDS - started)) s; results in $out"
