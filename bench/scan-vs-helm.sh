#!/usr/bin/env bash
# Measures `helm-unstick scan -A` against real `helm list -A --pending` on the same sandbox data and prints the
# ratio. Usage: bench/scan-vs-helm.sh [RELEASES] [REVISIONS] [STUCK_EVERY] [RUNS] [MANIFEST_KB]
set -euo pipefail
cd "$(dirname "$0")/.."
releases=${1:-1000}
revisions=${2:-10}
stuck_every=${3:-50}
runs=${4:-3}
manifest_kb=${5:-0}

scripts/install-tools.sh >/dev/null
work=$(mktemp -d)
trap 'kill "${sandbox_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 bench/make-fleet.py "$work/fleet.json" "$releases" "$revisions" "$stuck_every" "$manifest_kb"
dotnet publish src/HelmUnstick.Cli -c Release -o "$work/bin" --nologo -v q >/dev/null
tool=("dotnet" "$work/bin/helm-unstick.dll")

"${tool[@]}" sandbox --scenario "$work/fleet.json" --kubeconfig-out "$work/kubeconfig" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 600); do [ -s "$work/kubeconfig" ] && grep -q "Press Ctrl+C" "$work/sandbox.log" && break; sleep 0.1; done
export KUBECONFIG="$work/kubeconfig" HOME="$work" HELM_CACHE_HOME="$work/helm" HELM_CONFIG_HOME="$work/helm" HELM_DATA_HOME="$work/helm"

# Median wall time in milliseconds of RUNS runs of a command; its output of the last run goes to $work/out.
median_ms() {
  local times=()
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >"$work/out" 2>"$work/err" || true
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

ours=$(median_ms "${tool[@]}" scan -A -o json)
our_stuck=$(python3 -c "import json,sys; print(len(json.load(open('$work/out'))))")
echo "helm-unstick scan -A:        ${ours} ms, ${our_stuck} stuck"
for helm in helm3 helm4; do
  theirs=$(median_ms ".tools/$helm/helm" list -A --pending -o json)
  their_stuck=$(python3 -c "import json,sys; print(len(json.load(open('$work/out'))))")
  ratio=$(python3 -c "print(f'{$theirs / max($ours, 1):.2f}')")
  echo "$helm list -A --pending:   ${theirs} ms, ${their_stuck} stuck  -> helm-unstick is ${ratio}x as fast"
done
echo "data: $(( releases * revisions + (stuck_every > 0 ? (releases + stuck_every - 1) / stuck_every : 0) )) release Secrets (+${manifest_kb} KB of manifest each) in one sandbox, median of $runs runs"
