#!/usr/bin/env bash
# Measures the published helm-unstick against real Helm 3.18 and 4.1 on the same sandbox data and prints ratios:
#   1. one release (cold start): scan -A vs helm list -A --pending
#   2. 3,000 release Secrets of about 40 KB
#   3. 30,000 small release Secrets, with the peak RSS of every tool
#   4. helm-unstick --help (cold start)
# Usage: bench/bench.sh [RUNS]   (median of RUNS runs per command, default 3)
# Needs only what the repository installs: dotnet, python3, and helm via scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

scripts/install-tools.sh >/dev/null
work=$(mktemp -d)
trap 'kill "${sandbox_pid:-0}" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

echo "publishing helm-unstick and helm-unstick-sandbox (Release)..."
dotnet publish src/HelmUnstick.Cli -c Release -o "$work/bin" --nologo -v q >/dev/null
dotnet publish src/HelmUnstick.Sandbox -c Release -o "$work/sandbox" --nologo -v q >/dev/null
export HOME="$work" HELM_CACHE_HOME="$work/helm" HELM_CONFIG_HOME="$work/helm" HELM_DATA_HOME="$work/helm"
export KUBECONFIG="$work/kubeconfig"

measure() { python3 bench/measure.py "$runs" "$work/out" -- "$@"; }
stuck_count() { python3 -c "import json; print(len(json.load(open('$work/out'))))"; }
ratio() { python3 -c "print(f'{$1 / max($2, 1):.2f}x')"; }

# serve FLEET_ARGS...: starts a sandbox on a fleet built by make-fleet.py (releases revisions stuck_every manifest_kb).
serve() {
  kill "${sandbox_pid:-0}" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null || true
  rm -f "$KUBECONFIG"
  python3 bench/make-fleet.py "$work/fleet.json" "$@" >/dev/null
  "$work/sandbox/helm-unstick-sandbox" --scenario "$work/fleet.json" --kubeconfig-out "$KUBECONFIG" >"$work/sandbox.log" 2>&1 &
  sandbox_pid=$!
  until grep -q "Press Ctrl+C" "$work/sandbox.log" 2>/dev/null; do
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.log"; exit 1; }
    sleep 0.2
  done
}

# compare TITLE: scan -A against both helms on the served data; prints wall and CPU times, peak RSS and ratios.
compare() {
  local title="$1" ours_ms ours_cpu ours_mb ours_stuck
  read -r ours_ms ours_cpu ours_mb _ <<<"$(measure "$work/bin/helm-unstick" scan -A -o json)"
  ours_stuck=$(stuck_count)
  echo "== $title"
  printf '  %-26s %7s ms wall %7s ms CPU %5s MB peak  %s stuck\n' "helm-unstick scan -A" "$ours_ms" "$ours_cpu" "$ours_mb" "$ours_stuck"
  for helm in helm3 helm4; do
    local theirs_ms theirs_cpu theirs_mb theirs_stuck
    read -r theirs_ms theirs_cpu theirs_mb _ <<<"$(measure ".tools/$helm/helm" list -A --pending -o json)"
    theirs_stuck=$(stuck_count)
    printf '  %-26s %7s ms wall %7s ms CPU %5s MB peak  %s stuck  -> helm-unstick is %s (wall), %s (CPU) as fast\n' \
      "$helm list -A --pending" "$theirs_ms" "$theirs_cpu" "$theirs_mb" "$theirs_stuck" "$(ratio "$theirs_ms" "$ours_ms")" "$(ratio "$theirs_cpu" "$ours_cpu")"
    [[ "$theirs_stuck" == "$ours_stuck" ]] || echo "  MISMATCH: $helm found $theirs_stuck stuck releases, helm-unstick $ours_stuck"
  done
}

serve 1 3 1 0
compare "1 release, 4 revisions, 1 stuck (cold start; target >= 1.0x)"

serve 300 10 50 40
compare "3,006 release Secrets of ~40 KB (300 releases x 10 revisions + 6 stuck; target >= 20x)"

serve 3000 10 50 0
compare "30,060 small release Secrets (3,000 releases x 10 revisions + 60 stuck; target >= 10x and <= 64 MB)"

read -r help_ms help_cpu help_mb _ <<<"$(measure "$work/bin/helm-unstick" --help)"
read -r helm_help_ms helm_help_cpu _ <<<"$(measure .tools/helm3/helm --help)"
echo "== helm-unstick --help: ${help_ms} ms wall, ${help_cpu} ms CPU, ${help_mb} MB (cold start; target <= 50 ms); helm --help: ${helm_help_ms} ms wall, ${helm_help_cpu} ms CPU"
echo "(median of $runs runs each; peak RSS is the largest of the runs; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
