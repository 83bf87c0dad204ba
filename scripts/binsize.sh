#!/usr/bin/env bash
# Binary size of a program on the client (issue 12): the same ten-line program that retrieves one
# job, built on wrappers and on net/http + encoding/json alone (the floor), side by side. The
# target is at most 2.5 MB above the floor; the script exits 1 when the client is further above.
#
#   ./scripts/binsize.sh        (make size)
#
# Environment: GO (default go), SIZE_BUDGET (bytes above the floor, default 2500000).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
budget=${SIZE_BUDGET:-2500000}
out=$(mktemp -d "${TMPDIR:-/tmp}/evals-size.XXXXXX")
trap 'rm -rf "$out"' EXIT

for prog in floor wrappers; do
	"$GO" build -o "$out/$prog" "./scripts/binsize/testdata/$prog"
done
floor=$(wc -c < "$out/floor")
client=$(wc -c < "$out/wrappers")
above=$((client - floor))
mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1e6 }'; }

printf '%-40s %12s\n' "program (one Retrieve, $("$GO" env GOOS)/$("$GO" env GOARCH))" "size"
printf '%-40s %12s\n' "net/http + encoding/json (floor)" "$(mb "$floor")"
printf '%-40s %12s\n' "wrappers" "$(mb "$client")"
printf '%-40s %12s   (budget %s, ratio %s)\n' "wrappers above the floor" "$(mb "$above")" "$(mb "$budget")" \
	"$(awk -v c="$client" -v f="$floor" 'BEGIN { printf "%.2fx", c / f }')"
if ((above > budget)); then
	echo "wrappers is more than $(mb "$budget") above the floor" >&2
	exit 1
fi
