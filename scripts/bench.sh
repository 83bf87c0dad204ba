#!/usr/bin/env bash
# Performance benchmarks (issue 7): each row of the table runs as two sub-benchmarks of
# wrappers/bench_test.go, impl=floor (a hand-written net/http + encoding/json client) and
# impl=wrappers, in one test binary. This script runs them interleaved BENCHCOUNT times (floor
# first in odd rounds, wrappers first in even ones), then prints the medians, the ratios
# wrappers/floor and the targets, and benchstat's comparison when benchstat can be fetched.
#
#   BENCHCOUNT=6 ./scripts/bench.sh        (make bench)
#
# Environment: BENCHCOUNT (rounds, default 6), BENCHTIME (per timed benchmark, default 1s),
# BENCHOUT (directory for the raw results, default a temporary one that is kept), GO (default go).
# `./scripts/bench.sh report FILE` prints the report of an earlier run's raw results again.
# Needs only Go; benchstat comes from the module proxy (skipped if that fails).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
count=${BENCHCOUNT:-6}
benchtime=${BENCHTIME:-1s}
out=${BENCHOUT:-$(mktemp -d "${TMPDIR:-/tmp}/evals-bench.XXXXXX")}
benchstat_version=v0.0.0-20260908200009-22c9c6c9d4da
if [[ ${1:-} == report ]]; then
	raw=${2:?usage: $0 report FILE}
	out=$(dirname "$raw")
else
	mkdir -p "$out"
	raw="$out/bench.txt"
	: > "$raw"

	echo "== building the wrappers test binary" >&2
	"$GO" test -c -o "$out/wrappers.test" ./wrappers

	# name:benchtime:flags. Peak memory runs one child process per client and round, and its
	# allocations are the parent's, so -benchmem is left out there.
	rows=(
		"DecodeJob:$benchtime:-test.benchmem"
		"DecodeList:$benchtime:-test.benchmem"
		"RetrieveNoNetwork:$benchtime:-test.benchmem"
		"RetrieveSequential:$benchtime:-test.benchmem"
		"RetrieveConcurrent:$benchtime:-test.benchmem"
		"RetrievePaired:$benchtime:"
		"PeakMemoryList:1x:"
	)
	for round in $(seq 1 "$count"); do
		if ((round % 2)); then order=(floor wrappers); else order=(wrappers floor); fi
		echo "== round $round/$count (${order[*]} first)" >&2
		for row in "${rows[@]}"; do
			IFS=: read -r name bt flags <<< "$row"
			if [[ $name == RetrievePaired ]]; then
				(cd wrappers && "$out/wrappers.test" -test.run='^$' -test.bench="^Benchmark${name}\$" \
					$flags -test.benchtime="$bt" -test.count=1 -test.timeout=10m) >> "$raw"
				continue
			fi
			for impl in "${order[@]}"; do
				# The binary runs in the package directory, where its testdata is.
				(cd wrappers && "$out/wrappers.test" -test.run='^$' -test.bench="^Benchmark${name}\$/^impl=${impl}\$" \
					$flags -test.benchtime="$bt" -test.count=1 -test.timeout=10m) >> "$raw"
			done
		done
	done
fi

echo
echo "Raw results: $raw"
echo "Machine: $(nproc 2>/dev/null || echo '?') cores, $(uname -sm), $("$GO" version)"
echo

# Medians per benchmark, implementation and unit; the ratio wrappers/floor is the median of the
# ratios of each round (floor and wrappers ran back to back, so a round's pair saw the same machine).
# RetrievePaired measures both clients in one run, in alternating blocks, and reports its ratios
# itself: the end-to-end targets are judged on it.
awk '
function sortnum(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
function median(a, n) {
	sortnum(a, n)
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmtv(v) {
	if (v >= 1e6) return sprintf("%.3g", v)
	if (v >= 100) return sprintf("%.0f", v)
	return sprintf("%.3g", v)
}
function add(bench, impl, unit, v,   key) {
	key = bench SUBSEP impl SUBSEP unit
	vals[key, ++n[key]] = v
	if (!((bench SUBSEP unit) in seen)) { seen[bench SUBSEP unit] = 1; order[++nkeys] = bench SUBSEP unit }
}
/^Benchmark/ {
	split($1, p, "/"); bench = p[1]; sub(/^Benchmark/, "", bench)
	impl = p[2]; sub(/-[0-9]+$/, "", impl)
	if (bench == "RetrievePaired") {
		sub(/^mode=/, "", impl); bench = bench "/" impl
		for (i = 3; i < NF; i += 2) {
			unit = $(i + 1)
			if (unit ~ /^floor-/) { sub(/^floor-/, "", unit); add(bench, "floor", unit, $i) }
			else if (unit ~ /^wrappers-/) { sub(/^wrappers-/, "", unit); add(bench, "wrappers", unit, $i) }
			else if (unit == "ratio-req/s") paired[bench, "req/s", ++np[bench, "req/s"]] = $i
			else if (unit == "ratio-cpu") paired[bench, "cpu-ns/op", ++np[bench, "cpu-ns/op"]] = $i
		}
		next
	}
	sub(/^impl=/, "", impl)
	for (i = 3; i < NF; i += 2) add(bench, impl, $(i + 1), $i)
}
END {
	# target[bench, unit] = "<= x" or ">= x" (ratio wrappers/floor)
	target["DecodeJob", "ns/op"] = "<= 1.2"; target["DecodeJob", "allocs/op"] = "<= 1.2"; target["DecodeJob", "B/op"] = "<= 1.2"
	target["DecodeList", "ns/op"] = "<= 0.6"
	target["RetrievePaired/sequential", "req/s"] = ">= 0.95"; target["RetrievePaired/sequential", "cpu-ns/op"] = "<= 1.15"
	target["RetrievePaired/concurrent", "req/s"] = ">= 0.9"
	target["PeakMemoryList", "peak-RSS-MiB"] = "<= 1.2"; target["PeakMemoryList", "peak-heap-MiB"] = "<= 1.2"
	printf "%-26s %-14s %10s %10s %7s %11s  %-8s %s\n", "benchmark", "unit", "floor", "wrappers", "ratio", "range", "target", ""
	for (k = 1; k <= nkeys; k++) {
		split(order[k], bu, SUBSEP); b = bu[1]; u = bu[2]
		if (u == "MB/s") continue
		fk = b SUBSEP "floor" SUBSEP u; wk = b SUBSEP "wrappers" SUBSEP u
		nf = n[fk]; nw = n[wk]
		if (nf == 0 || nw == 0) continue
		delete fa; delete wa; delete ra; nr = 0
		for (i = 1; i <= nf; i++) fa[i] = vals[fk, i]
		for (i = 1; i <= nw; i++) wa[i] = vals[wk, i]
		if ((b SUBSEP u SUBSEP 1) in paired) {
			for (i = 1; i <= np[b, u]; i++) ra[++nr] = paired[b, u, i]
		} else {
			for (i = 1; i <= nf && i <= nw; i++) if (vals[fk, i] > 0) ra[++nr] = vals[wk, i] / vals[fk, i]
		}
		f = median(fa, nf); w = median(wa, nw)
		ratio = "-"; range = ""
		if (nr > 0) { r = median(ra, nr); ratio = sprintf("%.2f", r); range = sprintf("%.2f-%.2f", ra[1], ra[nr]) }
		t = ((b SUBSEP u) in target) ? target[b, u] : ""
		verdict = ""
		if (t != "" && nr > 0) {
			split(t, tt, " ")
			ok = (tt[1] == "<=") ? (r <= tt[2]) : (r >= tt[2])
			verdict = ok ? "met" : "MISSED"
		}
		if (b == "RetrieveConcurrent" && u == "conns") { t = "<= 64"; verdict = (w <= 64) ? "met" : "MISSED" }
		printf "%-26s %-14s %10s %10s %7s %11s  %-8s %s\n", b, u, fmtv(f), fmtv(w), ratio, range, t, verdict
	}
}' "$raw"

cat <<'EOF'

floor and wrappers: medians of the rounds; ratio: the median of each round's wrappers/floor (range:
the lowest and highest round).
EOF

# The two rows that have no floor: Wait's request budget (a test with a fake clock) and streaming
# result rows in flat memory (the result-file benchmark at two sizes).
if [[ -x $out/wrappers.test ]]; then
	echo
	if (cd wrappers && "$out/wrappers.test" -test.run='^TestWaitTenMinuteJobFitsTheRequestBudget$' -test.count=1 > /dev/null); then
		echo "Wait on a 10-minute job: at most 30 requests (28 polls + 1 retrieve), completion noticed within"
		echo "  one poll interval: TestWaitTenMinuteJobFitsTheRequestBudget passes."
	else
		echo "Wait on a 10-minute job: TestWaitTenMinuteJobFitsTheRequestBudget FAILS."
	fi
	rows_out="$out/rows.txt"
	: > "$rows_out"
	for mib in 8 64; do
		(cd wrappers && "$out/wrappers.test" -test.run='^$' -test.bench='^BenchmarkClientResultRows$' \
			-test.benchtime=2x -test.count=1 -data-mib="$mib") | grep '^Benchmark' >> "$rows_out"
	done
	# Flat: 8 times the data, less than twice the memory (a client that held the file would need
	# at least 8 times; the peak heap, garbage included, moves by a few MiB with the GC's timing).
	awk '{for (i = 1; i < NF; i++) {
			if ($(i + 1) == "peak-heap-MiB") peak[++n] = $i
			if ($(i + 1) == "peak-live-MiB") live[++m] = $i
		}}
	END {
		if (n != 2 || m != 2) { print "Result rows: the streaming benchmark did not report its peak heap"; exit }
		printf "Result rows streamed over loopback (BenchmarkClientResultRows): peak heap %.1f MiB (live %.1f) for\n", peak[1], live[1]
		printf "  an 8 MiB file, %.1f MiB (live %.1f) for a 64 MiB file: %s\n", peak[2], live[2], (peak[2] < 2 * peak[1]) ? "flat" : "NOT flat"
	}' "$rows_out"
fi

echo
if "$GO" run "golang.org/x/perf/cmd/benchstat@$benchstat_version" -col /impl "$raw" > "$out/benchstat.txt" 2> "$out/benchstat.err"; then
	echo "benchstat (-col /impl; vs base = wrappers against floor):"
	cat "$out/benchstat.txt"
else
	echo "benchstat could not be run (see $out/benchstat.err); the medians above stand on their own."
fi
