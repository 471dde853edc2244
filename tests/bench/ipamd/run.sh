#!/usr/bin/env bash
# ipamd benchmarks: RPC AddNetwork+DelNetwork round trips/s and p99 over the Unix socket, and
# ipamd's resident memory idle and with 250 pods. Starts its own vpc-emulator and ipamd (root
# netns, no host networking, checkpoint on tmpfs like /var/run/aws-node) and cleans up.
#   tests/bench/ipamd/run.sh [BUILD_DIR]     (default: build/dev)
# Goals (issue 5): p99 < 200 us, RSS < 20 MB.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-${here}/../../../build/dev}"
export VPCCNI_BINARY_DIR="$(cd "$build" && pwd)"
exec python3 "${here}/run_bench.py"
