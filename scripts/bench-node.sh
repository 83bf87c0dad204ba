#!/usr/bin/env bash
# Side-by-side check of issue 7 (optional; not part of make test or make bench): the provider's
# TypeScript SDK (npm package together-ai, pinned in scripts/bench-node/package.json) measured in
# the same run as the two Go floors (hand-written net/http clients of wrappers/bench_test.go:
# floor on encoding/json, floorv2 on json/v2, the limit the wrappers are held to) and this
# module's wrappers client, on the same workloads, printed as ratios wrappers/node, floorv2/node
# and floor/node.
#
#   ./scripts/bench-node.sh               (make bench-node)
#
# Each round runs the Go benchmarks (DecodeList, RetrievePaired, PeakMemoryList of ./wrappers) and
# the node side (scripts/bench-node/bench.mjs), Go first in odd rounds and node first in even ones.
# Node talks to the benchmarks' server started here (the wrappers test binary re-executed in
# server mode, TestBenchServerProcess); the Go benchmarks start the same server themselves. The
# server always runs in a process of its own, so CPU and RSS figures are the clients'. Node runs in
# its own process; the Go clients share the benchmark's process in RetrievePaired (alternating
# blocks, each block's CPU time read with getrusage before and after it, so each client is charged
# only its own blocks, though the runtime and GC of one process serve both), and each runs in a
# fresh child process of its own in PeakMemoryList.
#
# Environment: BENCHCOUNT (rounds, default 3), BENCHTIME (per timed benchmark, default 1s; node
# times each of its workloads for as many seconds), BENCHOUT (directory for the raw results, default
# a temporary one that is kept), GO (default go), NODE (default node), NPM (default npm).
# `./scripts/bench-node.sh report FILE` prints the table of an earlier run again.
# Needs Go, node (>= 18, for fetch) and npm with access to a registry that serves together-ai.
# node_modules goes into the temporary directory, never into the repository.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
NODE=${NODE:-node}
NPM=${NPM:-npm}
count=${BENCHCOUNT:-3}
benchtime=${BENCHTIME:-1s}
out=${BENCHOUT:-$(mktemp -d "${TMPDIR:-/tmp}/evals-bench-node.XXXXXX")}

if [[ ${1:-} == report ]]; then
	raw=${2:?usage: $0 report FILE}
else
	mkdir -p "$out"
	raw="$out/bench-node.txt"
	: > "$raw"
	seconds=${benchtime%s}
	if ! [[ $seconds =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
		echo "BENCHTIME must be a duration in seconds such as 1s or 2.5s, not $benchtime" >&2
		exit 2
	fi

	echo "== installing the provider's TypeScript SDK into $out/node" >&2
	mkdir -p "$out/node"
	cp scripts/bench-node/package.json scripts/bench-node/bench.mjs "$out/node/"
	(cd "$out/node" && "$NPM" install --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
	sdk_version=$("$NODE" -p "require('$out/node/node_modules/together-ai/package.json').version")
	echo "together-ai $sdk_version, node $("$NODE" --version)" >> "$raw"

	echo "== building the wrappers test binary" >&2
	"$GO" test -c -o "$out/wrappers.test" ./wrappers

	echo "== starting the benchmarks' server" >&2
	rm -f "$out/server.in"
	mkfifo "$out/server.in"
	(cd wrappers && TOGETHER_EVALS_BENCH_SERVER=1 exec "$out/wrappers.test" \
		-test.run='^TestBenchServerProcess$' -test.count=1 -test.timeout=0) \
		< "$out/server.in" > "$out/server.out" &
	server_pid=$!
	exec 3> "$out/server.in" # the server runs until its standard input closes
	stop_server() {
		exec 3>&-
		wait "$server_pid" || true
	}
	trap stop_server EXIT
	base=
	for _ in $(seq 1 100); do
		base=$(sed -n 's/^BENCH-SERVER //p' "$out/server.out")
		[[ -n $base ]] && break
		sleep 0.1
	done
	if [[ -z $base ]]; then
		echo "the benchmarks' server did not start:" >&2
		cat "$out/server.out" >&2
		exit 1
	fi

	run_go() {
		(
			cd wrappers
			for impl in floor floorv2 wrappers; do
				"$out/wrappers.test" -test.run='^$' -test.bench="^BenchmarkDecodeList\$/^impl=${impl}\$" \
					-test.benchmem -test.benchtime="$benchtime" -test.count=1 -test.timeout=10m
			done
			"$out/wrappers.test" -test.run='^$' -test.bench='^BenchmarkRetrievePaired$' \
				-test.benchtime="$benchtime" -test.count=1 -test.timeout=10m
			"$out/wrappers.test" -test.run='^$' -test.bench='^BenchmarkPeakMemoryList$' \
				-test.benchtime=1x -test.count=1 -test.timeout=10m
		) | grep '^Benchmark'
	}
	run_node() {
		(cd "$out/node" && "$NODE" bench.mjs rates "$base" "$seconds" && "$NODE" bench.mjs peak "$base")
	}
	for round in $(seq 1 "$count"); do
		if ((round % 2)); then order=(go node); else order=(node go); fi
		echo "== round $round/$count (${order[*]} first)" >&2
		echo "round $round" >> "$raw"
		for side in "${order[@]}"; do
			"run_$side" >> "$raw"
		done
	done
	stop_server
	trap - EXIT
fi

echo
echo "Raw results: $raw"
echo "Machine: $(nproc 2>/dev/null || echo '?') cores, $(uname -sm), $("$GO" version), $(head -n 1 "$raw")"
echo

awk '
function sortnum(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
}
function median(a, n) {
	sortnum(a, n)
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmtv(v) {
	if (v >= 100) return sprintf("%.0f", v)
	return sprintf("%.3g", v)
}
function put(row, impl, v) { val[row, impl, round] = v; if (round > rounds) rounds = round }
/^round / { round = $2; next }
/^Benchmark/ {
	split($1, p, "/"); bench = p[1]; sub(/^Benchmark/, "", bench)
	sub(/-[0-9]+$/, "", p[2])
	if (bench == "Node") {
		b = p[2]; u = $3; v = $2
		if (b == "DecodeList" && u == "ns/op") put("list", "node", v / 1e6)
		if (b == "RetrieveSequential" && u == "req/s") put("seqrate", "node", v)
		if (b == "RetrieveSequential" && u == "cpu-ns/op") put("seqcpu", "node", v / 1e3)
		if (b == "RetrieveConcurrent" && u == "req/s") put("conrate", "node", v)
		if (b == "RetrieveConcurrent" && u == "cpu-ns/op") put("concpu", "node", v / 1e3)
		if (b == "PeakMemoryList" && u == "peak-RSS-MiB") put("peak", "node", v)
		if (b == "PeakMemoryList" && u == "base-RSS-MiB") put("base", "node", v)
		next
	}
	for (i = 3; i < NF; i += 2) {
		v = $i; u = $(i + 1)
		if (bench == "DecodeList" && u == "ns/op") { impl = p[2]; sub(/^impl=/, "", impl); put("list", impl, v / 1e6) }
		if (bench == "PeakMemoryList") {
			impl = p[2]; sub(/^impl=/, "", impl)
			if (u == "peak-RSS-MiB") put("peak", impl, v)
			if (u == "base-RSS-MiB") put("base", impl, v)
		}
		if (bench == "RetrievePaired") {
			mode = (p[2] == "mode=sequential") ? "seq" : "con"
			impl = u; sub(/-.*/, "", impl)
			if (impl != "floor" && impl != "floorv2" && impl != "wrappers") continue
			if (u ~ /-req\/s$/) put(mode "rate", impl, v)
			if (u ~ /-cpu-ns\/op$/) put(mode "cpu", impl, v / 1e3)
		}
	}
}
# cell prints the median over rounds of impl, and ratio the median of the per-round ratios impl/node.
function cell(row, impl,   a, n, r) {
	n = 0
	for (r = 1; r <= rounds; r++) if ((row, impl, r) in val) a[++n] = val[row, impl, r]
	return n ? fmtv(median(a, n)) : "-"
}
function ratio(row, impl,   a, n, r) {
	n = 0
	for (r = 1; r <= rounds; r++)
		if ((row, impl, r) in val && (row, "node", r) in val && val[row, "node", r] > 0)
			a[++n] = val[row, impl, r] / val[row, "node", r]
	if (!n) return "-"
	lo = a[1]; hi = a[1]
	for (r = 1; r <= n; r++) { if (a[r] < lo) lo = a[r]; if (a[r] > hi) hi = a[r] }
	return sprintf("%.2f (%.2f-%.2f)", median(a, n), lo, hi)
}
END {
	label["list"] = "decode 1000-job list, ms (floor, node: all built)"
	label["seqrate"] = "sequential retrieves, req/s"
	label["seqcpu"] = "sequential, client CPU us/req"
	label["conrate"] = "32 concurrent retrieves, req/s"
	label["concpu"] = "32 concurrent, client CPU us/req"
	label["peak"] = "peak RSS, list fetched 50x, MiB"
	label["base"] = "  of which before 1st fetch, MiB"
	split("list seqrate seqcpu conrate concpu peak base", rows, " ")
	printf "%-50s %9s %9s %9s %9s  %-19s %-19s %-19s\n", "work", "floor", "floorv2", "wrappers", "node", "wrappers/node", "floorv2/node", "floor/node"
	for (k = 1; k <= 7; k++) {
		row = rows[k]
		printf "%-50s %9s %9s %9s %9s  %-19s %-19s %-19s\n", label[row], cell(row, "floor"), cell(row, "floorv2"), cell(row, "wrappers"), cell(row, "node"), ratio(row, "wrappers"), ratio(row, "floorv2"), ratio(row, "floor")
	}
	printf "\n%d rounds; figures are medians of the rounds, ratios the median (lowest-highest) of the\n", rounds
	print "per-round ratios. For req/s a ratio above 1 means faster than node; for ms, CPU and MiB below 1."
}' "$raw"
