# The whole marketplace on one port for browser tests and Lighthouse: a fresh
# database seeded with a slice of the Tate catalog and some of the dataset's
# images, the built web site, and `atelier serve`. Source it (after pg.sh has
# set DATABASE_URL); webstack_start leaves WEB_BASE_URL set and stops
# everything it started when the calling script exits.
# shellcheck shell=bash

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Small enough to seed and embed in a debug build in well under a minute,
# large enough that search has to rank rather than list.
WEBSTACK_WORKS="${WEBSTACK_WORKS:-200}"
# The Art Institute of Chicago paintings among the dataset images. The
# others stay out so that tests can upload them without tripping the
# duplicate check against a seeded copy.
WEBSTACK_IMAGES_GLOB="${WEBSTACK_IMAGES_GLOB:-aic_*}"

webstack_stop() {
  if [[ -n "${WEBSTACK_PID:-}" ]]; then
    kill -TERM "$WEBSTACK_PID" 2>/dev/null || true
    wait "$WEBSTACK_PID" 2>/dev/null || true
    WEBSTACK_PID=
  fi
  if [[ -n "${WEBSTACK_DB:-}" ]]; then
    "$(pg_psql_bin)" "$(pg_url_with_db "$DATABASE_URL" postgres)" -X -q \
      -c "DROP DATABASE IF EXISTS \"$WEBSTACK_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    WEBSTACK_DB=
  fi
  if [[ -n "${WEBSTACK_DIR:-}" ]]; then
    rm -rf "$WEBSTACK_DIR"
    WEBSTACK_DIR=
  fi
}

# webstack_start BIN: BIN is the atelier binary to serve with.
webstack_start() {
  local bin="$1" datasets="$ATELIER_DATASETS" port tries=0
  WEBSTACK_DIR="$(mktemp -d)"
  WEBSTACK_DB="atelier_web_$$"
  on_exit webstack_stop
  pg_create_database "$WEBSTACK_DB"

  head -n "$WEBSTACK_WORKS" "$datasets/tate/catalog.jsonl" >"$WEBSTACK_DIR/catalog.jsonl"
  mkdir -p "$WEBSTACK_DIR/images"
  head -n 1 "$datasets/images/MANIFEST.tsv" >"$WEBSTACK_DIR/images/MANIFEST.tsv"
  local file
  for file in "$datasets"/images/$WEBSTACK_IMAGES_GLOB; do
    ln -s "$file" "$WEBSTACK_DIR/images/"
    awk -F'\t' -v name="$(basename "$file")" '$1 == name' "$datasets/images/MANIFEST.tsv" >>"$WEBSTACK_DIR/images/MANIFEST.tsv"
  done

  port="$(free_port)"
  # A subshell's exports stay out of the calling script's environment.
  (
    DATABASE_URL="$(pg_url_with_db "$DATABASE_URL" "$WEBSTACK_DB")"
    export DATABASE_URL
    export APP_ENV=development LOG_FORMAT=json RUST_LOG="${RUST_LOG:-info}"
    export BIND_ADDR="127.0.0.1:$port" WEB_DIR="$ATELIER_ROOT/web/out" BLOB_DIR="$WEBSTACK_DIR/blobs"
    export JWT_SIGNING_KEY_FILE="$WEBSTACK_DIR/jwt.pem"
    BLOB_SIGNING_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
    export BLOB_SIGNING_SECRET
    # Browser tests sign up several accounts from one address in a minute;
    # a caller that needs more sets its own.
    export RATE_LIMIT_AUTH_IP="${RATE_LIMIT_AUTH_IP:-1000,1000}"
    export RATE_LIMIT_UPLOADS_IP="${RATE_LIMIT_UPLOADS_IP:-1000,1000}"
    export RATE_LIMIT_SEARCH_IP="${RATE_LIMIT_SEARCH_IP:-1000,1000}"
    # Where the payments provider sends artists back after onboarding.
    export SITE_URL="http://127.0.0.1:$port"
    "$bin" keygen --out "$JWT_SIGNING_KEY_FILE" >&2
    "$bin" migrate >&2
    log "seeding $WEBSTACK_WORKS catalog works and $(($(wc -l <"$WEBSTACK_DIR/images/MANIFEST.tsv") - 1)) images"
    "$bin" seed --catalog "$WEBSTACK_DIR/catalog.jsonl" --images "$WEBSTACK_DIR/images" >&2
    "$bin" reindex >&2
    exec "$bin" serve >"$WEBSTACK_DIR/server.log" 2>&1
  ) &
  WEBSTACK_PID=$!
  # python3, not curl: minimal Debian images lack curl, and the scripts
  # already need python3.
  until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; do
    if ! kill -0 "$WEBSTACK_PID" 2>/dev/null; then
      tail -n 40 "$WEBSTACK_DIR/server.log" >&2 2>/dev/null || true
      die "the web stack exited before answering (log: $WEBSTACK_DIR/server.log)"
    fi
    tries=$((tries + 1))
    (( tries < 1200 )) || die "the web stack did not answer within 10 minutes"
    sleep 0.5
  done
  export WEB_BASE_URL="http://127.0.0.1:$port"
  export WEBSTACK_LOG="$WEBSTACK_DIR/server.log"
  log "marketplace serving on $WEB_BASE_URL (log: $WEBSTACK_LOG)"
}
