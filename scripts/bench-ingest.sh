#!/usr/bin/env bash
# Ingest benchmark with its references, on the same bytes and in the same run:
#   sextant-cli bench ingest (simdjson + interning + FleetStore), simdjson's DOM parse,
#   nlohmann's DOM parse, and node's JSON.parse (the web UI's floor).
# Usage: scripts/bench-ingest.sh [BUILD_DIR] [APPS] [RUNS]   (defaults: build, 10000, 9)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
apps=${2:-10000}
runs=${3:-9}
bin=$build/bin
for exe in sextant-sim sextant-cli; do
    [ -x "$bin/$exe" ] || { echo "bench-ingest: $bin/$exe not built" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
list=$work/list.json
# One instance, so the whole fleet is one list response.
"$bin/sextant-sim" --print-list --apps "$apps" --seed 7 --instances 1 > "$list"

echo "list: $(stat -c %s "$list") bytes, $apps applications"
sextant=$("$bin/sextant-cli" bench ingest "$list" --runs "$runs")
echo "sextant-cli bench ingest: $sextant"

node_ms=""
if command -v node > /dev/null; then
    # Same bytes, read once; JSON.parse warm, median of the runs (two warm-ups first).
    node_ms=$(node -e '
        const fs = require("fs");
        const text = fs.readFileSync(process.argv[1], "utf8");
        const runs = Number(process.argv[2]);
        const times = [];
        for (let i = 0; i < runs + 2; ++i) {
            const t = process.hrtime.bigint();
            const doc = JSON.parse(text);
            const ms = Number(process.hrtime.bigint() - t) / 1e6;
            if (i >= 2) times.push(ms);
            if (!doc.items) process.exit(2);
        }
        times.sort((a, b) => a - b);
        const n = times.length;
        const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
        console.log(median.toFixed(2));
    ' "$list" "$runs")
    echo "node JSON.parse median: $node_ms ms"
else
    echo "node not found: no JSON.parse reference"
fi

python3 - "$sextant" "$node_ms" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
node = float(sys.argv[2]) if sys.argv[2] else None
print(f"ingest {s['ingest_ms']} ms | simdjson DOM {s['simdjson_dom_ms']} ms | "
      f"nlohmann DOM {s['nlohmann_dom_ms']} ms" + (f" | node JSON.parse {node} ms" if node else ""))
print(f"ingest / simdjson DOM = {s['ingest_ms'] / s['simdjson_dom_ms']:.2f}x (target <= 3x)")
if node:
    print(f"node JSON.parse / ingest = {node / s['ingest_ms']:.2f}x (target >= 10x)")
PY
