# Local stand-ins for the services the cloud adapters talk to: moto (S3, SQS,
# DynamoDB, SES), s3s-fs (an S3 server that checks signatures, which moto does
# not), localstripe (Stripe's PaymentIntents, refunds and signed webhooks) and
# an SMTP server on aiosmtpd that keeps what it receives in a Maildir. All
# are installed from their registries into ~/.cache/atelier-tools on first
# use. Source it; the entry point is standins_start.
# shellcheck shell=bash

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MOTO_VERSION=5.2.5
LOCALSTRIPE_VERSION=1.15.10
AIOSMTPD_VERSION=1.4.6
# 0.14 is the newest release that builds on stable Rust here.
S3S_FS_VERSION=0.14.1
STANDINS_DIR=""
STANDINS_PIDS=()

standins_install_moto() {
  local venv="$ATELIER_TOOLS_DIR/moto-$MOTO_VERSION"
  tools_venv "$venv" "moto[server]==$MOTO_VERSION"
  MOTO_PYTHON="$venv/bin/python3"
}

standins_install_localstripe() {
  local venv="$ATELIER_TOOLS_DIR/localstripe-$LOCALSTRIPE_VERSION"
  tools_venv "$venv" "localstripe==$LOCALSTRIPE_VERSION"
  LOCALSTRIPE_PYTHON="$venv/bin/python3"
}

standins_install_aiosmtpd() {
  local venv="$ATELIER_TOOLS_DIR/aiosmtpd-$AIOSMTPD_VERSION"
  tools_venv "$venv" "aiosmtpd==$AIOSMTPD_VERSION"
  AIOSMTPD_PYTHON="$venv/bin/python3"
}

standins_install_s3s() {
  S3S_BIN="$ATELIER_TOOLS_DIR/bin/s3s-fs"
  if [[ -x "$S3S_BIN" && "$("$S3S_BIN" --version 2>/dev/null)" == "s3s-fs $S3S_FS_VERSION" ]]; then
    return 0
  fi
  ensure_cargo
  log "building s3s-fs $S3S_FS_VERSION into $ATELIER_TOOLS_DIR (a few minutes, once)"
  # Its own temporary target directory: the shared one would hold the build
  # lock the test build is about to need.
  env -u CARGO_TARGET_DIR cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked \
    --root "$ATELIER_TOOLS_DIR" --quiet >&2
}

standins_wait_port() {
  local name="$1" pid="$2" port="$3" log_file="$4" tries=0
  # Only the port is probed: bash's /dev/tcp needs no HTTP client.
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log_file" >&2 || true
      die "$name exited before listening on 127.0.0.1:$port (log: $log_file)"
    fi
    tries=$((tries + 1))
    if (( tries >= 120 )); then
      tail -n 30 "$log_file" >&2 || true
      die "$name did not listen on 127.0.0.1:$port within 60s (log: $log_file)"
    fi
    sleep 0.5
  done
}

standins_stop() {
  local pid
  for pid in "${STANDINS_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STANDINS_PIDS=()
  if [[ -n "$STANDINS_DIR" ]]; then
    rm -rf "$STANDINS_DIR"
    STANDINS_DIR=""
  fi
}

# Entry point: leaves ATELIER_TEST_MOTO_URL, ATELIER_TEST_S3S_URL, the s3s-fs
# key pair, dummy AWS credentials, ATELIER_TEST_LOCALSTRIPE_URL and the SMTP
# server's ATELIER_TEST_SMTP_URL and ATELIER_TEST_SMTP_MAILDIR exported, and
# stops the servers it started on exit. Stand-ins already named in the
# environment are used as they are: the AWS pair, localstripe, or the SMTP server.
standins_start() {
  # Adapters built from configuration resolve credentials through the AWS
  # default chain: in tests it must yield the stand-ins' dummy account, never
  # real credentials from the caller's environment or profile.
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
  unset AWS_SESSION_TOKEN AWS_PROFILE
  if [[ -n "${ATELIER_TEST_MOTO_URL:-}" && -n "${ATELIER_TEST_S3S_URL:-}" ]]; then
    log "using the AWS stand-ins named in the environment; not starting any"
  else
    standins_start_aws
  fi
  if [[ -n "${ATELIER_TEST_LOCALSTRIPE_URL:-}" ]]; then
    log "using the localstripe named in the environment; not starting one"
  else
    standins_start_localstripe
  fi
  if [[ -n "${ATELIER_TEST_SMTP_URL:-}" && -n "${ATELIER_TEST_SMTP_MAILDIR:-}" ]]; then
    log "using the SMTP server named in the environment; not starting one"
  else
    standins_start_smtp
  fi
}

standins_dir() {
  if [[ -z "$STANDINS_DIR" ]]; then
    STANDINS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/atelier-standins.XXXXXX")"
    on_exit standins_stop
  fi
}

standins_start_aws() {
  local moto_port s3s_port
  standins_install_moto
  standins_install_s3s
  standins_dir
  mkdir -p "$STANDINS_DIR/s3s-root"

  moto_port="$(free_port)"
  log "starting moto on 127.0.0.1:$moto_port (log: $STANDINS_DIR/moto.log)"
  "$MOTO_PYTHON" "$(dirname "${BASH_SOURCE[0]}")/moto_server.py" -H 127.0.0.1 -p "$moto_port" \
    >"$STANDINS_DIR/moto.log" 2>&1 </dev/null &
  STANDINS_PIDS+=("$!")
  standins_wait_port moto "$!" "$moto_port" "$STANDINS_DIR/moto.log"

  # A fresh key pair per run: nothing outside this run can sign for it.
  ATELIER_TEST_S3S_ACCESS_KEY="atelier-test"
  ATELIER_TEST_S3S_SECRET_KEY="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  s3s_port="$(free_port)"
  log "starting s3s-fs on 127.0.0.1:$s3s_port (log: $STANDINS_DIR/s3s-fs.log)"
  "$S3S_BIN" --host 127.0.0.1 --port "$s3s_port" \
    --access-key "$ATELIER_TEST_S3S_ACCESS_KEY" --secret-key "$ATELIER_TEST_S3S_SECRET_KEY" \
    "$STANDINS_DIR/s3s-root" >"$STANDINS_DIR/s3s-fs.log" 2>&1 </dev/null &
  STANDINS_PIDS+=("$!")
  standins_wait_port s3s-fs "$!" "$s3s_port" "$STANDINS_DIR/s3s-fs.log"

  export ATELIER_TEST_MOTO_URL="http://127.0.0.1:$moto_port"
  export ATELIER_TEST_S3S_URL="http://127.0.0.1:$s3s_port"
  export ATELIER_TEST_S3S_ACCESS_KEY ATELIER_TEST_S3S_SECRET_KEY
}

# localstripe through scripts/lib/localstripe_server.py, which keeps it on
# 127.0.0.1 (on its own it listens on every interface) and its state in
# memory, on a port the kernel picked, for this run only.
standins_start_localstripe() {
  local port
  standins_install_localstripe
  standins_dir
  port="$(free_port)"
  log "starting localstripe on 127.0.0.1:$port (log: $STANDINS_DIR/localstripe.log)"
  "$LOCALSTRIPE_PYTHON" "$(dirname "${BASH_SOURCE[0]}")/localstripe_server.py" --port "$port" \
    >"$STANDINS_DIR/localstripe.log" 2>&1 </dev/null &
  STANDINS_PIDS+=("$!")
  standins_wait_port localstripe "$!" "$port" "$STANDINS_DIR/localstripe.log"
  export ATELIER_TEST_LOCALSTRIPE_URL="http://127.0.0.1:$port"
}

# The SMTP server the mail adapter's tests send to: it accepts everything but
# the domain refused.test, and writes what it accepts to a Maildir the tests read.
standins_start_smtp() {
  local port
  standins_install_aiosmtpd
  standins_dir
  port="$(free_port)"
  log "starting an SMTP server on 127.0.0.1:$port (log: $STANDINS_DIR/smtp.log)"
  "$AIOSMTPD_PYTHON" "$(dirname "${BASH_SOURCE[0]}")/smtp_server.py" --port "$port" \
    --maildir "$STANDINS_DIR/maildir" >"$STANDINS_DIR/smtp.log" 2>&1 </dev/null &
  STANDINS_PIDS+=("$!")
  standins_wait_port smtp "$!" "$port" "$STANDINS_DIR/smtp.log"
  export ATELIER_TEST_SMTP_URL="smtp://127.0.0.1:$port"
  export ATELIER_TEST_SMTP_MAILDIR="$STANDINS_DIR/maildir"
}
