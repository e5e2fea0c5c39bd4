#!/usr/bin/env bash
# Run `make test` several times in a row while two CPU-bound processes compete for the
# machine, every second run in reverse order: a test that passes by timing luck or by the
# order of the tests shows up here. Stops at the first failing run.
#
#   RUNS=10 contrib/soak.sh            # logs in test-artifacts/soak/
#   BURNERS=0 RUNS=3 contrib/soak.sh   # the same without the competing processes
#   FIRST=reverse RUNS=1 contrib/soak.sh   # start with the reversed order
#   TARGET=coverage RUNS=1 contrib/soak.sh # the same run with the per-module coverage table
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-10}
target=${TARGET:-test}
burners=${BURNERS:-2}
flip=0
[ "${FIRST:-forward}" = reverse ] && flip=1
logs=test-artifacts/soak
mkdir -p "$logs"

pids=()
stop() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; }
trap stop EXIT
for _ in $(seq "$burners"); do
    python3 -c 'while True: pass' &
    pids+=($!)
done

for i in $(seq "$runs"); do
    if [ $(((i + flip) % 2)) -eq 0 ]; then order=reverse; extra="--reverse"; else order=forward; extra=""; fi
    log="$logs/run-$i-$order.log"
    started=$(date +%s)
    PYTEST_ADDOPTS="$extra" make "$target" >"$log" 2>&1
    rc=$?
    took=$(($(date +%s) - started))
    summary=$(grep -E '^=+ .*(passed|failed|error).* =+$' "$log" | tail -1)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    echo "run $i/$runs $order make $target: exit $rc in ${took}s, load $load, burners $burners: $summary" |
        tee -a "$logs/summary.txt"
    [ "$rc" -eq 0 ] || exit "$rc"
done
