#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (real helm and kubectl, cached in .tools/).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-tools.sh
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# One test project at a time (-m:1): the conformance drills publish the native binary, and on two cores that
# publish would otherwise starve the timing-sensitive terminal and serve tests. Failures print their messages.
dotnet test HelmUnstick.slnx --nologo -v q -m:1 --logger "console;verbosity=minimal" -- RunConfiguration.TreatNoTestsAsError=true 2>&1 | tee "$log" || status=$?
# One closing line over all test projects, e.g. "612 passed, 0 failed, 0 skipped".
awk '/Passed!|Failed!/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
