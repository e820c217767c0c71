#!/usr/bin/env bash
# Starts the console on the demo fleet under Xvfb and saves a screenshot of the whole screen.
# Usage: scripts/screenshot.sh [OUTPUT.png] [SECONDS_TO_WAIT] [extra sextant args...]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshots/console-demo.png}"
wait_s="${2:-8}"
shift $(( $# > 2 ? 2 : $# )) || true
mkdir -p "$(dirname "$out")"
export HOME="${SCREENSHOT_HOME:-$(mktemp -d)}"
xvfb-run -a -s "-screen 0 1600x1000x24" bash -c "
    build/bin/sextant --demo $* &
    pid=\$!
    sleep $wait_s
    import -window root '$out'
    kill \$pid
    wait \$pid 2>/dev/null || true
"
echo "saved $out"
