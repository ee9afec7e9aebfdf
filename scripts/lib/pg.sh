# A private PostgreSQL cluster under .data/pg, run from the system binaries.
# Source it; the entry point is pg_ensure.
# shellcheck shell=bash

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Below 32768 on purpose: a port in Linux's ephemeral range (32768-60999) can
# be held by an outgoing connection's TIME_WAIT, and then bind fails for ~60s.
ATELIER_PG_PORT="${ATELIER_PG_PORT:-15432}"
# initdb and postgres refuse to run as root, so root runs them as this user.
ATELIER_PG_SYSTEM_USER="${ATELIER_PG_SYSTEM_USER:-atelier-pg}"
PG_BASE="$ATELIER_DATA_DIR/pg"
PG_DATA="$PG_BASE/data"
PG_SOCK_DIR="$PG_BASE/sock"
PG_LOG="$PG_BASE/postgres.log"
PG_ROLE=atelier
PG_BIN="${PG_BIN:-}"
# 1 only when this shell started the server: a cluster some other script
# started is reused and left running.
ATELIER_PG_STARTED=0

# Newest /usr/lib/postgresql/<major>/bin that has the server tools. With a
# major given, only that one: a data directory only opens with its own major.
pg_find_bindir() {
  local want="${1:-}" dir best=""
  while read -r dir; do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] || continue
    if [[ -z "$want" || "$dir" == "/usr/lib/postgresql/$want/bin" ]]; then
      best="$dir"
    fi
  done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
  [[ -n "$best" ]] && printf '%s\n' "$best"
}

pg_install_server() {
  # Debian's package would otherwise create and start a "main" cluster on
  # port 5432 that nothing here uses.
  local policy=/usr/sbin/policy-rc.d created_policy=0 status=0
  command -v apt-get >/dev/null 2>&1 \
    || die "PostgreSQL server binaries not found and no apt-get to install them; install PostgreSQL 15+"
  as_root mkdir -p /etc/postgresql-common/createcluster.d
  printf 'create_main_cluster = false\n' \
    | as_root tee /etc/postgresql-common/createcluster.d/atelier-no-main-cluster.conf >/dev/null
  if [[ ! -e "$policy" ]]; then
    # Exit code 101 tells invoke-rc.d / deb-systemd-invoke not to start services.
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    created_policy=1
  fi
  apt_install postgresql || status=$?
  if [[ $created_policy -eq 1 ]]; then
    as_root rm -f "$policy"
  fi
  return "$status"
}

pg_ensure_binaries() {
  local want=""
  [[ -n "$PG_BIN" && -x "$PG_BIN/pg_ctl" ]] && return 0
  if [[ -f "$PG_DATA/PG_VERSION" ]]; then
    want="$(<"$PG_DATA/PG_VERSION")"
  fi
  PG_BIN="$(pg_find_bindir "$want" || true)"
  if [[ -z "$PG_BIN" && -z "$want" ]]; then
    pg_install_server
    PG_BIN="$(pg_find_bindir || true)"
  fi
  if [[ -z "$PG_BIN" ]]; then
    if [[ -n "$want" ]]; then
      die "$PG_DATA was created by PostgreSQL $want, whose binaries are missing; install postgresql-$want or delete $PG_BASE"
    fi
    die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
  fi
  export PG_BIN
}

# Runs a server tool as the cluster owner. The cd avoids "could not change
# directory" noise when root's cwd is unreadable to the service user; setsid
# keeps a terminal ctrl-c from hitting the postmaster, so the exit trap can
# shut it down in order.
pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$PG_BASE" && runuser -u "$ATELIER_PG_SYSTEM_USER" -- "$@")
  else
    (cd "$PG_BASE" && "$@")
  fi
}

pg_prepare_owner() {
  mkdir -p "$PG_BASE"
  if [[ $EUID -ne 0 ]]; then
    if [[ -d "$PG_DATA" && ! -O "$PG_DATA" ]]; then
      die "$PG_DATA belongs to $(stat -c %U "$PG_DATA"); run as root or delete $PG_BASE"
    fi
    return 0
  fi
  command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is required to run PostgreSQL as root"
  if ! id -u "$ATELIER_PG_SYSTEM_USER" >/dev/null 2>&1; then
    log "creating system user $ATELIER_PG_SYSTEM_USER to own the PostgreSQL cluster"
    useradd --system --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$ATELIER_PG_SYSTEM_USER"
  fi
  if [[ "$(stat -c %U "$PG_BASE")" != "$ATELIER_PG_SYSTEM_USER" ]] \
    || [[ -e "$PG_DATA" && "$(stat -c %U "$PG_DATA")" != "$ATELIER_PG_SYSTEM_USER" ]]; then
    chown -R "$ATELIER_PG_SYSTEM_USER:" "$PG_BASE"
  fi
  # The service user must be able to reach .data/pg; grant traverse-only
  # access on whichever ancestors (e.g. a 0700 home) block it.
  local dir="" part
  local -a parts
  IFS=/ read -r -a parts <<<"${PG_BASE#/}"
  for part in "${parts[@]}"; do
    dir="$dir/$part"
    if ! runuser -u "$ATELIER_PG_SYSTEM_USER" -- test -x "$dir"; then
      warn "granting others traverse (o+x) on $dir so $ATELIER_PG_SYSTEM_USER can reach $PG_BASE"
      chmod o+x "$dir"
    fi
  done
}

pg_init() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  local tmp="$PG_BASE/data.initdb" locale=C
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    locale=C.UTF-8
  fi
  log "initialising PostgreSQL cluster in $PG_DATA ($("$PG_BIN/postgres" --version))"
  # initdb into a scratch directory and rename, so an interrupted run never
  # leaves a half-built cluster that later runs would mistake for a real one.
  rm -rf "$tmp"
  if ! pg_as_owner "$PG_BIN/initdb" -D "$tmp" --auth=trust --username="$PG_ROLE" \
    -E UTF8 --locale="$locale" --no-sync >"$PG_BASE/initdb.log" 2>&1; then
    cat "$PG_BASE/initdb.log" >&2
    die "initdb failed (log: $PG_BASE/initdb.log)"
  fi
  printf "\ninclude_if_exists = 'atelier.conf'\n" >>"$tmp/postgresql.conf"
  mv "$tmp" "$PG_DATA"
}

pg_conf_quote() {
  printf "'%s'" "${1//\'/\'\'}"
}

pg_write_conf() {
  local sock_dirs
  sock_dirs="$(pg_conf_quote "$PG_SOCK_DIR")"
  # Unix socket paths are capped at 107 bytes; deep checkouts fall back to
  # TCP only, which is all DATABASE_URL uses anyway.
  if (( ${#PG_SOCK_DIR} + 20 > 107 )); then
    sock_dirs="''"
  fi
  mkdir -p "$PG_SOCK_DIR"
  # Durability is traded for speed: this cluster only holds dev and test data
  # that the seed recreates. max_connections covers tests that each create a
  # database and a pool, in parallel.
  cat >"$PG_DATA/atelier.conf" <<EOF
# Written by scripts/lib/pg.sh on every start; edits here are lost.
listen_addresses = '127.0.0.1'
port = $ATELIER_PG_PORT
unix_socket_directories = $sock_dirs
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
EOF
  if [[ $EUID -eq 0 ]]; then
    chown "$ATELIER_PG_SYSTEM_USER:" "$PG_DATA/atelier.conf" "$PG_SOCK_DIR"
  fi
}

pg_is_running() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 1
  pg_as_owner "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

pg_wait_ready() {
  local port="$1" tries=0
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$PG_ROLE" -d postgres -t 1; do
    tries=$((tries + 1))
    if (( tries >= 60 )); then
      tail -n 30 "$PG_LOG" >&2 || true
      die "PostgreSQL on 127.0.0.1:$port did not become ready (log: $PG_LOG)"
    fi
    sleep 0.5
  done
}

pg_start() {
  local lock_fd port
  mkdir -p "$PG_BASE"
  # Two scripts starting at once (dev and test) must not both initdb/start.
  exec {lock_fd}>"$PG_BASE/.lock"
  flock -w 120 "$lock_fd" || die "timed out waiting for the lock on $PG_BASE/.lock"
  pg_prepare_owner
  pg_init
  if pg_is_running; then
    port="$(sed -n 4p "$PG_DATA/postmaster.pid")"
    if [[ "$port" != "$ATELIER_PG_PORT" ]]; then
      warn "cluster already running on port $port (ATELIER_PG_PORT=$ATELIER_PG_PORT); using $port"
    fi
    ATELIER_PG_PORT="$port"
    log "reusing running PostgreSQL cluster on 127.0.0.1:$port (left running on exit)"
  else
    pg_write_conf
    log "starting PostgreSQL on 127.0.0.1:$ATELIER_PG_PORT (log: $PG_LOG)"
    # The lock fd is closed for the child: the postmaster would otherwise
    # inherit it and hold the lock for as long as it runs.
    if ! pg_as_owner setsid -w "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -s \
      </dev/null {lock_fd}>&-; then
      tail -n 30 "$PG_LOG" >&2 || true
      die "PostgreSQL failed to start (is port $ATELIER_PG_PORT taken? set ATELIER_PG_PORT); log: $PG_LOG"
    fi
    ATELIER_PG_STARTED=1
  fi
  exec {lock_fd}>&-
  pg_wait_ready "$ATELIER_PG_PORT"
}

pg_stop() {
  pg_ensure_binaries
  if ! pg_is_running; then
    return 0
  fi
  log "stopping PostgreSQL cluster in $PG_DATA"
  pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 -s \
    || warn "pg_ctl stop failed; see $PG_LOG"
}

# For exit traps: stop the server only if this shell started it.
pg_stop_if_started() {
  if [[ "$ATELIER_PG_STARTED" == 1 ]]; then
    ATELIER_PG_STARTED=0
    pg_stop
  fi
}

pg_psql_bin() {
  if [[ -n "$PG_BIN" && -x "$PG_BIN/psql" ]]; then
    echo "$PG_BIN/psql"
  elif command -v psql >/dev/null 2>&1; then
    command -v psql
  else
    local dir
    dir="$(pg_find_bindir || true)"
    [[ -n "$dir" && -x "$dir/psql" ]] || die "psql not found"
    echo "$dir/psql"
  fi
}

# Swaps the database name in a postgres:// URL, keeping host and parameters.
pg_url_with_db() {
  local url="$1" db="$2"
  [[ "$url" =~ ^(postgres(ql)?://[^/?]*)(/[^?]*)?(\?.*)?$ ]] || die "unrecognised database URL: $url"
  printf '%s/%s%s\n' "${BASH_REMATCH[1]}" "$db" "${BASH_REMATCH[4]}"
}

# Creates database NAME on the server DATABASE_URL points at, if missing.
pg_create_database() {
  local name="$1" admin_url psql exists
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "refusing unusual database name: $name"
  admin_url="$(pg_url_with_db "$DATABASE_URL" postgres)"
  psql="$(pg_psql_bin)"
  exists="$("$psql" "$admin_url" -X -q -tA -v ON_ERROR_STOP=1 \
    -c "SELECT 1 FROM pg_database WHERE datname = '$name'")"
  if [[ "$exists" != 1 ]]; then
    log "creating database $name"
    # A concurrent creator may win the race; that is fine if it now exists.
    "$psql" "$admin_url" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$name\"" >/dev/null 2>&1 \
      || [[ "$("$psql" "$admin_url" -X -q -tA -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" == 1 ]] \
      || die "could not create database $name"
  fi
}

# Entry point: leaves DATABASE_URL pointing at a ready database. An
# externally provided DATABASE_URL is used as is and nothing is started.
pg_ensure() {
  if [[ -n "${DATABASE_URL:-}" ]]; then
    log "using DATABASE_URL from the environment; not starting a private cluster"
    return 0
  fi
  pg_ensure_binaries
  pg_start
  export DATABASE_URL="postgres://$PG_ROLE@127.0.0.1:$ATELIER_PG_PORT/atelier"
  pg_create_database atelier
  export ATELIER_PG_PORT
}
