# The style gates: formatting, lints and type checks that fail a run as
# surely as a failing test. `scripts/lint` runs them alone; `scripts/test`
# runs each as a step of its own. Source it.
# shellcheck shell=bash

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=scripts/lib/node.sh
source "$(dirname "${BASH_SOURCE[0]}")/node.sh"

# Every shell script of the project: the scripts, their library and CI's entry.
shell_scripts() {
  grep -lE '^#!/usr/bin/env bash|^# shellcheck shell=bash' \
    "$ATELIER_ROOT"/scripts/* "$ATELIER_ROOT"/scripts/lib/*.sh "$ATELIER_ROOT"/.ci/run 2>/dev/null
}

gate_rustfmt() {
  cargo fmt --all --check
}

gate_clippy() {
  cargo clippy --all-targets --locked -- -D warnings
}

gate_shellcheck() {
  command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck
  local scripts
  mapfile -t scripts < <(shell_scripts)
  (cd "$ATELIER_ROOT" && shellcheck -x "${scripts[@]}")
}

# The web's lint and type check; the generated API types against
# openapi.json come first, since the type check trusts them. Installs the
# web's packages when the lock file is newer than the installed tree.
gate_web() {
  ensure_node
  local web="$ATELIER_ROOT/web"
  if [[ ! -f "$web/node_modules/.package-lock.json" || "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]]; then
    (cd "$web" && npm ci --no-audit --no-fund) || return
  fi
  (cd "$web" && NEXT_TELEMETRY_DISABLED=1 npm run api:check && npm run typecheck && npm run lint)
}
