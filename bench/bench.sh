#!/usr/bin/env bash
# Measures the published helm-unstick against real Helm 3.18 and 4.1 on the same sandbox data and prints ratios and
# the requests each made (total, and how many had to wait for one another: sequential round trips):
#   1. one release (cold start): scan -A vs helm list -A --pending, on loopback and 50 ms away (median of 9 there)
#   2. 3,000 release Secrets of about 40 KB, 6 stuck releases of 50 objects each, on loopback and 50 ms away; on
#      loopback also against a minimal client making the same reads (bench/minimal-client.py)
#   3. 30,000 small release Secrets, with the peak RSS of every tool
#   4. helm-unstick --help (cold start)
# "50 ms away" is the sandbox's --latency: every request is held 50 ms, as by a VPN or bastion to a remote cluster.
# Usage: bench/bench.sh [RUNS]   (median of RUNS runs per command, default 3)
# Needs only what the repository installs: dotnet, python3, and helm via scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

scripts/install-tools.sh >/dev/null
work=$(mktemp -d)
sandbox_pid=""
# Never `kill ""` or `kill 0`: that would signal this script's whole process group.
stop_sandbox() { if [[ -n "$sandbox_pid" ]]; then kill "$sandbox_pid" 2>/dev/null; wait "$sandbox_pid" 2>/dev/null; sandbox_pid=""; fi; }
trap 'stop_sandbox; rm -rf "$work"' EXIT

echo "publishing helm-unstick and helm-unstick-sandbox (Release)..."
dotnet publish src/HelmUnstick.Cli -c Release -o "$work/bin" --nologo -v q >/dev/null
dotnet publish src/HelmUnstick.Sandbox -c Release -o "$work/sandbox" --nologo -v q >/dev/null
export HOME="$work" HELM_CACHE_HOME="$work/helm" HELM_CONFIG_HOME="$work/helm" HELM_DATA_HOME="$work/helm"
export KUBECONFIG="$work/kubeconfig"

measure() { python3 bench/measure.py "$runs" "$work/out" -- "$@"; }
stuck_count() { python3 -c "import json; print(len(json.load(open('$work/out'))))"; }
ratio() { python3 -c "print(f'{$1 / max($2, 1):.2f}x')"; }

# serve LATENCY FLEET_ARGS...: starts a sandbox holding each request LATENCY on a fleet built by make-fleet.py
# (releases revisions stuck_every manifest_kb stuck_objects).
serve() {
  local latency="$1"
  shift
  stop_sandbox
  rm -f "$KUBECONFIG"
  python3 bench/make-fleet.py "$work/fleet.json" "$@" >/dev/null
  # Fully optimised from the first request, as a long-running API server is: otherwise the emulator is still
  # compiling its hot paths while the first commands are timed, and whichever tool runs first pays for it.
  DOTNET_TieredCompilation=0 "$work/sandbox/helm-unstick-sandbox" --scenario "$work/fleet.json" --latency "$latency" --kubeconfig-out "$KUBECONFIG" >"$work/sandbox.log" 2>&1 &
  sandbox_pid=$!
  until grep -q "Press Ctrl+C" "$work/sandbox.log" 2>/dev/null; do
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.log"; exit 1; }
    sleep 0.2
  done
}

# requests COMMAND...: runs COMMAND once more and prints "TOTAL SEQUENTIAL", the requests the sandbox served for it.
requests() {
  python3 bench/requests.py "$KUBECONFIG" clear
  "$@" >/dev/null 2>&1 || true
  python3 bench/requests.py "$KUBECONFIG" show
}

# compare TITLE RUNS: scan -A against both helms on the served data; prints wall and CPU times, peak RSS, requests and ratios.
compare() {
  local title="$1" n="$2" ours_ms ours_cpu ours_mb ours_stuck ours_requests ours_sequential
  read -r ours_ms ours_cpu ours_mb _ <<<"$(python3 bench/measure.py "$n" "$work/out" -- "$work/bin/helm-unstick" scan -A -o json)"
  ours_stuck=$(stuck_count)
  read -r ours_requests ours_sequential <<<"$(requests "$work/bin/helm-unstick" scan -A -o json)"
  echo "== $title"
  printf '  %-26s %7s ms wall %7s ms CPU %5s MB peak  %s stuck  %4s requests (%s sequential)\n' \
    "helm-unstick scan -A" "$ours_ms" "$ours_cpu" "$ours_mb" "$ours_stuck" "$ours_requests" "$ours_sequential"
  for helm in helm3 helm4; do
    local theirs_ms theirs_cpu theirs_mb theirs_stuck theirs_requests theirs_sequential
    read -r theirs_ms theirs_cpu theirs_mb _ <<<"$(python3 bench/measure.py "$n" "$work/out" -- ".tools/$helm/helm" list -A --pending -o json)"
    theirs_stuck=$(stuck_count)
    read -r theirs_requests theirs_sequential <<<"$(requests ".tools/$helm/helm" list -A --pending -o json)"
    printf '  %-26s %7s ms wall %7s ms CPU %5s MB peak  %s stuck  %4s requests (%s sequential)  -> helm-unstick is %s (wall), %s (CPU) as fast\n' \
      "$helm list -A --pending" "$theirs_ms" "$theirs_cpu" "$theirs_mb" "$theirs_stuck" "$theirs_requests" "$theirs_sequential" \
      "$(ratio "$theirs_ms" "$ours_ms")" "$(ratio "$theirs_cpu" "$ours_cpu")"
    [[ "$theirs_stuck" == "$ours_stuck" ]] || echo "  MISMATCH: $helm found $theirs_stuck stuck releases, helm-unstick $ours_stuck"
  done
}

# minimal TITLE: helm-unstick against the minimal client doing the same reads, on the served data.
minimal() {
  local ours_ms theirs_ms theirs_cpu theirs_requests theirs_sequential
  read -r ours_ms _ <<<"$(measure "$work/bin/helm-unstick" scan -A -o json)"
  read -r theirs_ms theirs_cpu _ <<<"$(measure python3 bench/minimal-client.py "$KUBECONFIG")"
  read -r theirs_requests theirs_sequential <<<"$(requests python3 bench/minimal-client.py "$KUBECONFIG")"
  printf '  %-26s %7s ms wall %7s ms CPU                       %4s requests (%s sequential)  -> helm-unstick takes %s of its time (target <= 1.5x)\n' \
    "minimal client" "$theirs_ms" "$theirs_cpu" "$theirs_requests" "$theirs_sequential" "$(ratio "$ours_ms" "$theirs_ms")"
}

serve 0s 1 3 1 0
compare "1 release, 4 revisions, 1 stuck, loopback (cold start; target >= 1.0x)" "$runs"
serve 50ms 1 3 1 0
compare "1 release, 4 revisions, 1 stuck, 50 ms per request (median of 9; target >= 1.0x)" 9

serve 0s 300 10 50 40 50
compare "3,006 release Secrets of ~40 KB, 6 stuck releases of 50 objects, loopback (target >= 20x)" "$runs"
minimal
serve 50ms 300 10 50 40 50
compare "3,006 release Secrets of ~40 KB, 6 stuck releases of 50 objects, 50 ms per request (target >= 20x)" "$runs"

serve 0s 3000 10 50 0
compare "30,060 small release Secrets (3,000 releases x 10 revisions + 60 stuck), loopback (target >= 10x and <= 64 MB)" "$runs"

read -r help_ms help_cpu help_mb _ <<<"$(measure "$work/bin/helm-unstick" --help)"
read -r helm_help_ms helm_help_cpu _ <<<"$(measure .tools/helm3/helm --help)"
echo "== helm-unstick --help: ${help_ms} ms wall, ${help_cpu} ms CPU, ${help_mb} MB (cold start; target <= 50 ms); helm --help: ${helm_help_ms} ms wall, ${helm_help_cpu} ms CPU"
echo "(median of $runs runs each; peak RSS is the largest of the runs; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
