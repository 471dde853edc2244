#!/usr/bin/env bash
# Benchmark: AssignPrivateIpAddresses + UnassignPrivateIpAddresses calls per second on loopback,
# vpc-emulator versus moto_server, same workload, same run, same client
# (emulator_bench_client: C++, keep-alive, fixed pre-signed headers, one connection and one ENI
# per thread).
#
# usage: tests/bench/emulator/run.sh [BUILD_DIR]   (default build/release; env SECONDS_PER_RUN,
#        THREADS)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${1:-$ROOT/build/release}"
DURATION="${SECONDS_PER_RUN:-5}"
THREADS="${THREADS:-4}"
EMU="$BUILD/bin/vpc-emulator"
CLIENT="$BUILD/bin/emulator_bench_client"
HERE="$ROOT/tests/bench/emulator"
for f in "$EMU" "$CLIENT"; do
  [ -x "$f" ] || { echo "missing $f; build it: cmake --build $BUILD --target vpc-emulator emulator_bench_client" >&2; exit 1; }
done

WORK="$(mktemp -d)"
EMU_PID=""; MOTO_PID=""
cleanup() {
  for p in $EMU_PID $MOTO_PID; do
    kill -TERM "$p" 2>/dev/null || true
  done
  sleep 1
  for p in $EMU_PID $MOTO_PID; do
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- vpc-emulator ---
"$EMU" --listen 127.0.0.1:0 --log-level warn > "$WORK/emu.out" 2> "$WORK/emu.err" &
EMU_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/emu.out" ] && break; sleep 0.1; done
EMU_URL="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["ec2"])' "$WORK/emu.out")"
EMU_ENIS="$(python3 "$HERE/setup_enis.py" "$EMU_URL" "$THREADS")"
# shellcheck disable=SC2086
EMU_RESULT="$("$CLIENT" "$EMU_URL" "$DURATION" $EMU_ENIS)"

# --- moto_server ---
MOTO_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$MOTO_PORT" > "$WORK/moto.log" 2>&1 &
MOTO_PID=$!
MOTO_URL="http://127.0.0.1:$MOTO_PORT"
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$MOTO_URL/moto-api/" && break
  sleep 0.1
done
MOTO_ENIS="$(python3 "$HERE/setup_enis.py" "$MOTO_URL" "$THREADS")"
# shellcheck disable=SC2086
MOTO_RESULT="$("$CLIENT" "$MOTO_URL" "$DURATION" $MOTO_ENIS)"

python3 - "$EMU_RESULT" "$MOTO_RESULT" "$THREADS" "$DURATION" <<'PY'
import json, sys
emu, moto = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"Assign+Unassign PrivateIpAddresses, {sys.argv[3]} keep-alive connections, {sys.argv[4]} s each, loopback, nproc={__import__('os').cpu_count()}")
print(f"{'server':<14}{'calls/s':>10}{'p50 us':>10}{'p99 us':>10}{'errors':>8}")
for name, r in (("vpc-emulator", emu), ("moto_server", moto)):
    print(f"{name:<14}{r['calls_per_second']:>10.0f}{r['p50_us']:>10}{r['p99_us']:>10}{r['errors']:>8}")
ratio = emu["calls_per_second"] / max(moto["calls_per_second"], 1)
print(f"ratio vpc-emulator / moto_server: {ratio:.1f}x; floor 2000 calls/s: "
      f"{'met' if emu['calls_per_second'] >= 2000 else 'NOT met'}")
PY
