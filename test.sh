#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (real helm and kubectl, cached in .tools/).
set -euo pipefail
cd "$(dirname "$0")"
if [ -x scripts/install-tools.sh ]; then scripts/install-tools.sh; fi
dotnet test HelmUnstick.slnx --nologo -v q -- RunConfiguration.TreatNoTestsAsError=true
