#!/usr/bin/env bash
# Builds the release artifacts of helm-unstick VERSION for the machine it runs on (Native AOT compiles for the
# host's own OS and architecture; this script builds linux-amd64 on a linux-amd64 machine):
#   dist/helm-unstick-VERSION/                      the Helm plugin directory: helm-unstick, plugin.yaml, LICENSE,
#                                                   README.md, completions/ (helm plugin install DIR)
#   dist/helm-unstick-VERSION-linux-amd64.tar.gz    the same files at the archive's top level, so that the archive
#                                                   is also a plugin archive (helm plugin install URL)
#   dist/SHA256SUMS                                 the checksum of every archive in dist/
# The binary's --version prints VERSION and the commit it was built from: `git rev-parse HEAD` (with -dirty when
# tracked files changed), or $HELM_UNSTICK_COMMIT where there is no git checkout (a container build).
# Usage: scripts/package.sh VERSION      (VERSION is semantic: 1.2.0, 1.3.0-rc.1)
set -euo pipefail

usage() {
  echo "usage: scripts/package.sh VERSION   (for example 1.2.0 or 1.3.0-rc.1)" >&2
  exit 2
}

[[ $# -eq 1 ]] || usage
version="$1"
# Helm wants a semantic version in plugin.yaml, and so does the assembly's informational version.
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || {
  echo "package: error: '$version' is not a semantic version such as 1.2.0 or 1.3.0-rc.1" >&2
  usage
}

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) runtime=linux-x64 platform=linux-amd64 ;;
  *)
    echo "package: error: Native AOT builds for the machine it runs on, and this script packages linux-amd64 only;" \
      "this is $(uname -s)/$(uname -m). Build other platforms on a machine of that kind (see README, Releases)." >&2
    exit 1 ;;
esac
command -v clang >/dev/null || { echo "package: error: clang is missing; run scripts/install-tools.sh" >&2; exit 1; }

if [[ -n "${HELM_UNSTICK_COMMIT:-}" ]]; then
  commit="$HELM_UNSTICK_COMMIT"
elif commit="$(git rev-parse HEAD 2>/dev/null)"; then
  git diff --quiet HEAD -- 2>/dev/null || commit="$commit-dirty"
else
  echo "package: error: not a git checkout; set HELM_UNSTICK_COMMIT to the commit being built" >&2
  exit 1
fi

dist="$repo_root/dist"
plugin_dir="$dist/helm-unstick-$version"
archive="helm-unstick-$version-$platform.tar.gz"
publish_dir="$repo_root/artifacts/package/$version"

echo "package: publishing helm-unstick $version ($commit) for $runtime"
rm -rf "$publish_dir" "$plugin_dir"
# SourceRevisionId becomes the "+commit" of the informational version that --version prints.
dotnet publish src/HelmUnstick.Cli -c Release -r "$runtime" -o "$publish_dir" --nologo -v q --disable-build-servers \
  -p:Version="$version" -p:SourceRevisionId="$commit"

mkdir -p "$plugin_dir/completions"
cp "$publish_dir/helm-unstick" "$plugin_dir/"
cp README.md "$plugin_dir/"
if [[ -f LICENSE ]]; then
  cp LICENSE "$plugin_dir/"
else
  echo "package: warning: the repository has no LICENSE file; the archive ships without one" >&2
fi
"$plugin_dir/helm-unstick" completion bash >"$plugin_dir/completions/helm-unstick.bash"
"$plugin_dir/helm-unstick" completion zsh >"$plugin_dir/completions/_helm-unstick"
"$plugin_dir/helm-unstick" completion fish >"$plugin_dir/completions/helm-unstick.fish"
"$plugin_dir/helm-unstick" completion powershell >"$plugin_dir/completions/helm-unstick.ps1"

# The legacy plugin format (no apiVersion): Helm 3 reads it, and Helm 4 loads it as a cli/v1 plugin.
cat >"$plugin_dir/plugin.yaml" <<EOF
name: unstick
version: "$version"
usage: "find and safely unstick releases left pending-install, pending-upgrade or pending-rollback"
description: |-
  helm-unstick $version: the "Helm upgrade is stuck" runbook as one safe command (scan, check, fix, explain).
  It takes helm's --kube-context, -n/--namespace, --kubeconfig and \$HELM_DRIVER; flags given to unstick win.
platformCommand:
  - os: linux
    arch: amd64
    command: "\$HELM_PLUGIN_DIR/helm-unstick"
EOF

# Files at the archive's top level (what Helm's archive installer expects), in a stable order and owner.
files=(helm-unstick plugin.yaml README.md completions)
[[ -f "$plugin_dir/LICENSE" ]] && files+=(LICENSE)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$(git log -1 --format=%ct 2>/dev/null || date +%s)" \
  -C "$plugin_dir" -cf - "${files[@]}" | gzip -n >"$dist/$archive"
(cd "$dist" && sha256sum helm-unstick-*.tar.gz >SHA256SUMS)

echo "package: $("$plugin_dir/helm-unstick" --version)"
echo "package: dist/helm-unstick-$version/ (helm plugin install dist/helm-unstick-$version)"
echo "package: dist/$archive"
echo "package: dist/SHA256SUMS (sha256sum -c SHA256SUMS)"
