# Shared setup for the scripts in scripts/. Source it; do not execute it.
# shellcheck shell=bash

# Guard against double sourcing (pg.sh sources this too).
if [[ -n "${ATELIER_COMMON_LOADED:-}" ]]; then
  return 0
fi
ATELIER_COMMON_LOADED=1

# Resolve from this file rather than $PWD or git, so scripts work from any
# directory and from an exported tarball.
ATELIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export ATELIER_ROOT

# Colours only on terminals: CI logs and pipes get no escape codes.
if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
  _c_info=$'\033[1;34m' _c_warn=$'\033[1;33m' _c_err=$'\033[1;31m' _c_off=$'\033[0m'
else
  _c_info='' _c_warn='' _c_err='' _c_off=''
fi

# stderr keeps stdout clean for values scripts capture with $(...).
log() { printf '%s[%s]%s %s\n' "$_c_info" "${ATELIER_LOG_TAG:-atelier}" "$_c_off" "$*" >&2; }
warn() { printf '%s[%s] warning:%s %s\n' "$_c_warn" "${ATELIER_LOG_TAG:-atelier}" "$_c_off" "$*" >&2; }
die() {
  printf '%s[%s] error:%s %s\n' "$_c_err" "${ATELIER_LOG_TAG:-atelier}" "$_c_off" "$*" >&2
  exit 1
}

# Variables already in the environment beat .env, so a one-off
# `DATABASE_URL=... scripts/dev` is never silently overridden by a stale file.
# The file is parsed, not sourced: it must not be able to run code.
load_dotenv() {
  local file="$ATELIER_ROOT/.env" line key value
  [[ -f "$file" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    line="${line%$'\r'}"
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line#export }"
    if [[ ! "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=[[:space:]]*(.*)$ ]]; then
      warn "ignoring malformed line in $file: $line"
      continue
    fi
    key="${BASH_REMATCH[1]}"
    value="${BASH_REMATCH[2]}"
    if [[ "$value" =~ ^\"(.*)\"[[:space:]]*$ || "$value" =~ ^\'(.*)\'[[:space:]]*$ ]]; then
      value="${BASH_REMATCH[1]}"
    else
      # Unquoted values may carry a trailing comment, as in most dotenv dialects.
      value="${value%%[[:space:]]#*}"
      value="${value%"${value##*[![:space:]]}"}"
    fi
    if [[ -z "${!key+x}" ]]; then
      export "$key=$value"
    fi
  done <"$file"
}

ensure_cargo() {
  if ! command -v cargo >/dev/null 2>&1 && [[ -x "$HOME/.cargo/bin/cargo" ]]; then
    # Non-login shells (CI, cron) often miss rustup's PATH entry.
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 \
    || die "cargo not found: install Rust with rustup (https://rustup.rs) and retry"
}

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (install sudo or run as root)"
  fi
}

# A loopback port the kernel reports free now; the server given it binds it a
# moment later.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 \
    || die "cannot install $*: no apt-get on this machine; install it by hand"
  log "installing $* with apt-get"
  # apt's chatter goes to stderr so it never mixes with a script's results.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >&2
}

# Command-line tools the scripts install on first use, shared by every clone.
ATELIER_TOOLS_DIR="${ATELIER_TOOLS_DIR:-$HOME/.cache/atelier-tools}"

# Installs pip requirements into a fresh venv unless a finished install is
# there; the marker is written last, so an interrupted install is redone.
tools_venv() {
  local venv="$1"
  shift
  [[ -f "$venv/.installed" ]] && return 0
  command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
  log "installing $* into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed; install python3-venv and retry"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
  touch "$venv/.installed"
}

# Production refuses the sandbox payments provider. Scripts that run the
# production settings without making payments (benchmarks, soaks) configure
# Stripe with keys that are never used and a loopback port nothing listens
# on, so a payment made by mistake fails instead of reaching anything.
export_unused_stripe() {
  export PAYMENTS=stripe STRIPE_SECRET_KEY=sk_test_unused STRIPE_PUBLISHABLE_KEY=pk_test_unused \
    STRIPE_API_BASE=http://127.0.0.1:9 PAYMENTS_WEBHOOK_SECRETS=whsec_unused
}

# Creates the JWT signing key once; rotating it would log everybody out on
# every restart, so an existing file is always kept.
ensure_jwt_key() {
  local bin="$1"
  export JWT_SIGNING_KEY_FILE="${JWT_SIGNING_KEY_FILE:-$ATELIER_DATA_DIR/jwt-signing-key.pem}"
  if [[ ! -s "$JWT_SIGNING_KEY_FILE" ]]; then
    log "generating JWT signing key at $JWT_SIGNING_KEY_FILE"
    mkdir -p "$(dirname "$JWT_SIGNING_KEY_FILE")"
    (umask 077 && "$bin" keygen --out "$JWT_SIGNING_KEY_FILE")
    chmod 600 "$JWT_SIGNING_KEY_FILE"
  fi
}

# The local object store signs its URLs; a secret kept under .data keeps image
# URLs valid across restarts of the dev server.
ensure_blob_secret() {
  local file="$ATELIER_DATA_DIR/blob-signing-secret"
  if [[ -z "${BLOB_SIGNING_SECRET:-}" ]]; then
    if [[ ! -s "$file" ]]; then
      mkdir -p "$ATELIER_DATA_DIR"
      (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$file")
    fi
    BLOB_SIGNING_SECRET="$(<"$file")"
    export BLOB_SIGNING_SECRET
  fi
}

# Cleanup hooks run in reverse order of registration on any exit. INT and
# TERM are turned into exits so the hooks also run on ctrl-c and on a CI
# timeout, not only on normal termination.
ATELIER_EXIT_HOOKS=()
on_exit() {
  ATELIER_EXIT_HOOKS+=("$1")
  if [[ ${#ATELIER_EXIT_HOOKS[@]} -eq 1 ]]; then
    trap _atelier_run_exit_hooks EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
}

_atelier_run_exit_hooks() {
  local status=$? i
  trap - EXIT INT TERM
  for ((i = ${#ATELIER_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
    "${ATELIER_EXIT_HOOKS[i]}" || true
  done
  exit "$status"
}

load_dotenv

# Outside the clone so fresh CI clones reuse earlier builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/atelier-target}"
export ATELIER_DATA_DIR="${ATELIER_DATA_DIR:-$ATELIER_ROOT/.data}"
export ATELIER_DATASETS="${ATELIER_DATASETS:-$ATELIER_ROOT/../shared/datasets}"
