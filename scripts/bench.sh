#!/usr/bin/env bash
# Performance benchmarks (issues 7 and 15): each row of the table runs as three sub-benchmarks of
# wrappers/bench_test.go in one test binary: impl=floor (a hand-written net/http + encoding/json
# client: what a typical hand-written client does), impl=floorv2 (the same on json/v2, the
# wrappers' own decoder, doing the same work as the wrappers: the limit) and impl=wrappers. This
# script runs them interleaved BENCHCOUNT times (the order rotates from round to round), then prints
# the medians, the ratios wrappers/floor and wrappers/floorv2 with their targets and met / MISSED,
# and benchstat's comparison when benchstat can be fetched.
#
#   BENCHCOUNT=6 ./scripts/bench.sh        (make bench)
#   ./scripts/bench.sh smoke               (make test: one round of every benchmark at 1x, the
#                                           report checked for every row; no timing is judged)
#
# The rows that talk to a server over loopback (RetrieveSequential, RetrieveConcurrent,
# RetrievePaired, PeakMemoryList) run with the clients pinned to CPU 0 and the server to CPU 1 (with
# taskset) where the machine has two CPUs or more, so that client and server never compete for a
# core: a rate is then the client's own, and a 2-core machine shared by both does not turn the
# scheduler's luck into the ratio. BENCHPIN=0 runs them unpinned.
#
# Environment: BENCHCOUNT (rounds, default 6), BENCHTIME (per timed benchmark, default 1s),
# BENCHOUT (directory for the raw results, default a temporary one that is kept), GO (default go),
# BENCHPIN (1 by default: pin the loopback rows as above; 0: do not).
# `./scripts/bench.sh report FILE` prints the report of an earlier run's raw results again.
# Needs only Go; benchstat comes from the module proxy (skipped if that fails).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
count=${BENCHCOUNT:-6}
benchtime=${BENCHTIME:-1s}
smoke=
rows_mib=(8 64)
if [[ ${1:-} == smoke ]]; then
	# The harness and the report parsing, exercised cheaply: one round, one iteration each.
	smoke=1 count=1 benchtime=1x rows_mib=(1 2)
	out=$(mktemp -d "${TMPDIR:-/tmp}/evals-bench-smoke.XXXXXX")
	trap 'rm -rf "$out"' EXIT
fi
out=${out:-${BENCHOUT:-$(mktemp -d "${TMPDIR:-/tmp}/evals-bench.XXXXXX")}}
# pin: the command prefix of the loopback rows' client; the server's CPU goes through the environment.
pin=()
pinned="unpinned"
if [[ ${BENCHPIN:-1} != 0 ]] && command -v taskset > /dev/null && (($(nproc 2>/dev/null || echo 1) >= 2)); then
	pin=(taskset -c 0)
	pinned="clients pinned to CPU 0, the server to CPU 1"
fi
benchstat_version=v0.0.0-20260908200009-22c9c6c9d4da
if [[ ${1:-} == report ]]; then
	raw=${2:?usage: $0 report FILE}
	out=$(dirname "$raw")
else
	mkdir -p "$out"
	raw="$out/bench.txt"
	: > "$raw"
	echo "$pinned" > "$out/pinned.txt"

	echo "== building the wrappers test binary" >&2
	"$GO" test -c -o "$out/wrappers.test" ./wrappers

	# name:benchtime:flags. Peak memory runs one child process per client and round, and its
	# allocations are the parent's, so -benchmem is left out there.
	rows=(
		"DecodeJob:$benchtime:-test.benchmem"
		"DecodeList:$benchtime:-test.benchmem"
		"DecodeListHistories:$benchtime:-test.benchmem"
		"RetrieveNoNetwork:$benchtime:-test.benchmem"
		"RetrieveSequential:$benchtime:-test.benchmem"
		"RetrieveConcurrent:$benchtime:-test.benchmem"
		"RetrievePaired:$benchtime:"
		"PeakMemoryList:1x:"
	)
	impls=(floor floorv2 wrappers)
	for round in $(seq 1 "$count"); do
		k=$(((round - 1) % 3))
		order=("${impls[@]:k}" "${impls[@]:0:k}")
		echo "== round $round/$count (${order[*]} in turn)" >&2
		for row in "${rows[@]}"; do
			IFS=: read -r name bt flags <<< "$row"
			run=("$out/wrappers.test")
			server_cpus=
			case $name in
			RetrieveSequential | RetrieveConcurrent | RetrievePaired | PeakMemoryList)
				if ((${#pin[@]})); then
					run=("${pin[@]}" "$out/wrappers.test")
					server_cpus=1
				fi
				;;
			esac
			if [[ $name == RetrievePaired ]]; then
				(cd wrappers && TOGETHER_EVALS_BENCH_SERVER_CPUS=$server_cpus "${run[@]}" -test.run='^$' \
					-test.bench="^Benchmark${name}\$" $flags -test.benchtime="$bt" -test.count=1 -test.timeout=10m) >> "$raw"
				continue
			fi
			for impl in "${order[@]}"; do
				# The binary runs in the package directory, where its testdata is.
				(cd wrappers && TOGETHER_EVALS_BENCH_SERVER_CPUS=$server_cpus "${run[@]}" -test.run='^$' \
					-test.bench="^Benchmark${name}\$/^impl=${impl}\$" $flags -test.benchtime="$bt" -test.count=1 -test.timeout=10m) >> "$raw"
			done
		done
	done
fi

if [[ -n $smoke ]]; then
	# A smoke run's figures come from one iteration on a busy machine: the report is checked for
	# its shape below and not shown, so that no met / MISSED of a smoke run is read as a measurement.
	exec 3>&1 1>"$out/report.txt"
fi

echo
echo "Raw results: $raw"
echo "Machine: $(nproc 2>/dev/null || echo '?') cores, $(uname -sm), $("$GO" version)"
echo "Loopback rows: $(cat "$out/pinned.txt" 2>/dev/null || echo "not recorded")"
echo

# Medians per benchmark, implementation and unit; a ratio is the median of the ratios of each round
# (the three clients ran back to back, so a round's figures saw the same machine). RetrievePaired
# measures the three clients in one run, in rotating blocks, and reports its ratios itself: the
# end-to-end targets are judged on it. Targets against floor are issue 7's (what a typical
# hand-written client costs); targets against floorv2 are issue 15's, the limit. "+4/job" is a
# difference of medians (wrappers minus floorv2), per job decoded. The decode rows are judged on
# wall time (ns/op) and on the process's CPU time per op (cpu-ns/op, GC included), which moves far
# less on a machine shared with other work.
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
# ratio(b, u, base): sets r (median), lo and hi of the per-round ratios wrappers/base; returns their number.
function ratio(b, u, base,   fk, wk, i, nr, ra, pk) {
	nr = 0
	pk = (base == "floor") ? "v1" : "v2"
	if ((b SUBSEP u SUBSEP pk SUBSEP 1) in paired) {
		for (i = 1; i <= np[b, u, pk]; i++) ra[++nr] = paired[b, u, pk, i]
	} else {
		fk = b SUBSEP base SUBSEP u; wk = b SUBSEP "wrappers" SUBSEP u
		for (i = 1; i <= n[fk] && i <= n[wk]; i++) if (vals[fk, i] > 0) ra[++nr] = vals[wk, i] / vals[fk, i]
	}
	if (nr == 0) return 0
	r = median(ra, nr); lo = ra[1]; hi = ra[nr]
	return nr
}
function judge(t, v,   tt) {
	if (t == "") return ""
	split(t, tt, " ")
	return ((tt[1] == "<=") ? (v <= tt[2]) : (v >= tt[2])) ? "met" : "MISSED"
}
/^Benchmark/ {
	split($1, p, "/"); bench = p[1]; sub(/^Benchmark/, "", bench)
	impl = p[2]; sub(/-[0-9]+$/, "", impl)
	if (bench == "RetrievePaired") {
		sub(/^mode=/, "", impl); bench = bench "/" impl
		for (i = 3; i < NF; i += 2) {
			unit = $(i + 1)
			if (unit ~ /^floor-/) { sub(/^floor-/, "", unit); add(bench, "floor", unit, $i) }
			else if (unit ~ /^floorv2-/) { sub(/^floorv2-/, "", unit); add(bench, "floorv2", unit, $i) }
			else if (unit ~ /^wrappers-/) { sub(/^wrappers-/, "", unit); add(bench, "wrappers", unit, $i) }
			else if (unit == "ratio-req/s") paired[bench, "req/s", "v1", ++np[bench, "req/s", "v1"]] = $i
			else if (unit == "ratiov2-req/s") paired[bench, "req/s", "v2", ++np[bench, "req/s", "v2"]] = $i
			else if (unit == "ratio-cpu") paired[bench, "cpu-ns/op", "v1", ++np[bench, "cpu-ns/op", "v1"]] = $i
			else if (unit == "ratiov2-cpu") paired[bench, "cpu-ns/op", "v2", ++np[bench, "cpu-ns/op", "v2"]] = $i
		}
		next
	}
	sub(/^impl=/, "", impl)
	for (i = 3; i < NF; i += 2) add(bench, impl, $(i + 1), $i)
}
END {
	# Against floor (issue 7): t1[bench, unit]; against floorv2 (issue 15): t2[bench, unit].
	t1["DecodeJob", "ns/op"] = "<= 1.2"; t1["DecodeJob", "allocs/op"] = "<= 1.2"; t1["DecodeJob", "B/op"] = "<= 1.2"
	t1["DecodeList", "ns/op"] = "<= 0.6"
	t1["RetrievePaired/sequential", "req/s"] = ">= 0.95"; t1["RetrievePaired/sequential", "cpu-ns/op"] = "<= 1.15"
	t1["RetrievePaired/concurrent", "req/s"] = ">= 0.9"
	t1["PeakMemoryList", "peak-RSS-MiB"] = "<= 1.2"; t1["PeakMemoryList", "peak-heap-MiB"] = "<= 1.2"
	t2["DecodeJob", "ns/op"] = "<= 1.15"; t2["DecodeJob", "cpu-ns/op"] = "<= 1.15"; t2["DecodeJob", "allocs/op"] = "+4/job"
	t2["DecodeList", "ns/op"] = "<= 1.15"; t2["DecodeList", "cpu-ns/op"] = "<= 1.15"; t2["DecodeList", "allocs/op"] = "+4/job"
	t2["DecodeListHistories", "ns/op"] = "<= 1.2"; t2["DecodeListHistories", "cpu-ns/op"] = "<= 1.2"; t2["DecodeListHistories", "allocs/op"] = "+4/job"
	t2["RetrievePaired/sequential", "cpu-ns/op"] = "<= 1.10"
	t2["RetrievePaired/concurrent", "req/s"] = ">= 0.95"
	jobs["DecodeJob"] = 1; jobs["DecodeList"] = 1000; jobs["DecodeListHistories"] = 1000
	fmt = "%-26s %-13s %9s %9s %9s  %-16s %-7s %-6s  %-16s %-7s %s\n"
	printf fmt, "benchmark", "unit", "floor", "floorv2", "wrappers", "vs floor", "target", "", "vs floorv2", "target", ""
	for (k = 1; k <= nkeys; k++) {
		split(order[k], bu, SUBSEP); b = bu[1]; u = bu[2]
		if (u == "MB/s") continue
		wk = b SUBSEP "wrappers" SUBSEP u
		if (n[wk] == 0) continue
		split("", a); for (i = 1; i <= n[wk]; i++) a[i] = vals[wk, i]; w = median(a, n[wk])
		cell["floor"] = "-"; cell["floorv2"] = "-"; med["floor"] = ""; med["floorv2"] = ""
		for (fi = 1; fi <= 2; fi++) {
			base = (fi == 1) ? "floor" : "floorv2"; fk = b SUBSEP base SUBSEP u
			if (n[fk] == 0) continue
			split("", a); for (i = 1; i <= n[fk]; i++) a[i] = vals[fk, i]
			med[base] = median(a, n[fk]); cell[base] = fmtv(med[base])
		}
		out1 = "-"; v1 = ""; out2 = "-"; v2 = ""; tg1 = ""; tg2 = ""
		if (ratio(b, u, "floor")) { out1 = sprintf("%.2f (%.2f-%.2f)", r, lo, hi); tg1 = t1[b, u]; v1 = judge(tg1, r) }
		if (ratio(b, u, "floorv2")) {
			out2 = sprintf("%.2f (%.2f-%.2f)", r, lo, hi); tg2 = t2[b, u]
			if (tg2 == "+4/job") {
				d = (w - med["floorv2"]) / jobs[b]
				out2 = sprintf("%+.2f/job", d); v2 = (d <= 4) ? "met" : "MISSED"
			} else v2 = judge(tg2, r)
		}
		if (b == "RetrieveConcurrent" && u == "conns") { tg1 = "<= 64"; v1 = (w <= 64) ? "met" : "MISSED" }
		printf fmt, b, u, cell["floor"], cell["floorv2"], fmtv(w), out1, tg1, v1, out2, tg2, v2
	}
}' "$raw" | tee "$out/table.txt"

cat <<'EOF'

floor, floorv2, wrappers: medians of the rounds. vs floor, vs floorv2: the median (lowest-highest)
of each round's ratio wrappers/floor and wrappers/floorv2. floor decodes with encoding/json and
builds every status history (a typical hand-written client); floorv2 decodes with json/v2 like the
wrappers and does the same work: histories left raw where the wrappers defer them (DecodeJob,
DecodeList, the retrieves and PeakMemoryList), built where the wrappers build them all
(DecodeListHistories). floorv2 is the limit. Every retrieve and DecodeJob decodes label_counts.
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
	for mib in "${rows_mib[@]}"; do
		(cd wrappers && "$out/wrappers.test" -test.run='^$' -test.bench='^BenchmarkClientResultRows$' \
			-test.benchtime=2x -test.count=1 -data-mib="$mib") | grep '^Benchmark' >> "$rows_out"
	done
	# Flat (make bench): 8 times the data, less than twice the memory (a client that held the file would need
	# at least 8 times; the peak heap, garbage included, moves by a few MiB with the GC's timing).
	awk '{for (i = 1; i < NF; i++) {
			if ($(i + 1) == "peak-heap-MiB") peak[++n] = $i
			if ($(i + 1) == "peak-live-MiB") live[++m] = $i
		}}
	END {
		if (n != 2 || m != 2) { print "Result rows: the streaming benchmark did not report its peak heap"; exit }
		printf "Result rows streamed over loopback (BenchmarkClientResultRows): peak heap %.1f MiB (live %.1f) for\n", peak[1], live[1]
		printf "  a %d MiB file, %.1f MiB (live %.1f) for a %d MiB file: %s\n", small, peak[2], live[2], big, (peak[2] < 2 * peak[1]) ? "flat" : "NOT flat"
	}' small="${rows_mib[0]}" big="${rows_mib[1]}" "$rows_out" | tee "$out/rows-report.txt"
fi

if [[ -n $smoke ]]; then
	# The smoke run judges no figure: it fails if a row of the table, a figure or a verdict is
	# missing, so that the benchmarks, their child processes and this report cannot drift apart.
	missing=0
	expect() { # benchmark unit [verdict]: the row exists with three figures (and a verdict)
		local line
		line=$(awk -v b="$1" -v u="$2" '$1 == b && $2 == u && $3 ~ /^[0-9.e+]+$/ && $4 ~ /^[0-9.e+]+$/ && $5 ~ /^[0-9.e+]+$/' "$out/table.txt")
		if [[ -z $line ]]; then
			echo "smoke: no row with three figures for $1 $2" >&2
			missing=1
		elif [[ ${3:-} == verdict && ! $line =~ (met|MISSED) ]]; then
			echo "smoke: row $1 $2 has no verdict: $line" >&2
			missing=1
		fi
	}
	for b in DecodeJob DecodeList DecodeListHistories; do
		expect "$b" ns/op verdict
		expect "$b" cpu-ns/op verdict
		expect "$b" allocs/op verdict
		expect "$b" B/op
	done
	for b in RetrieveNoNetwork RetrieveSequential RetrieveConcurrent; do
		expect "$b" allocs/op
	done
	expect RetrieveSequential cpu-ns/op
	expect RetrieveConcurrent conns verdict
	expect RetrievePaired/sequential req/s verdict
	expect RetrievePaired/sequential cpu-ns/op verdict
	expect RetrievePaired/concurrent req/s verdict
	expect RetrievePaired/concurrent cpu-ns/op
	expect PeakMemoryList peak-RSS-MiB verdict
	expect PeakMemoryList peak-heap-MiB verdict
	if ! grep -q "flat" "$out/rows-report.txt"; then
		echo "smoke: the result rows report is missing" >&2
		missing=1
	fi
	exec 1>&3
	if ((missing)); then
		cat "$out/report.txt" >&2
		echo "smoke: the benchmark report is incomplete" >&2
		exit 1
	fi
	echo "smoke: every row of the benchmark report is there (no figure is judged in a smoke run)"
	exit 0
fi

echo
if "$GO" run "golang.org/x/perf/cmd/benchstat@$benchstat_version" -col /impl "$raw" > "$out/benchstat.txt" 2> "$out/benchstat.err"; then
	echo "benchstat (-col /impl; vs base = wrappers against floor):"
	cat "$out/benchstat.txt"
else
	echo "benchstat could not be run (see $out/benchstat.err); the medians above stand on their own."
fi
