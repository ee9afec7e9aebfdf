# The serverless toolchain, installed from PyPI into ~/.cache/atelier-tools on
# first use: the SAM CLI with the cfn-lint release its `--lint` runs (newer
# cfn-lint releases miss dangling references and bad runtimes), and
# cargo-lambda, whose wheel also brings the zig linker used for arm64 builds.
# Source it; the entry points are ensure_sam and ensure_cargo_lambda, which
# leave SAM_BIN and CARGO_LAMBDA_BIN set.
# shellcheck shell=bash
# shellcheck disable=SC2034  # SAM_BIN and CARGO_LAMBDA_BIN are for the scripts that source this

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SAM_CLI_VERSION=1.170.0
CFN_LINT_VERSION=1.53.3
CARGO_LAMBDA_VERSION=1.9.2

ensure_sam() {
  local venv="$ATELIER_TOOLS_DIR/sam-$SAM_CLI_VERSION-cfnlint-$CFN_LINT_VERSION"
  tools_venv "$venv" "aws-sam-cli==$SAM_CLI_VERSION" "cfn-lint==$CFN_LINT_VERSION"
  SAM_BIN="$venv/bin/sam"
  # SAM asks to send usage data on first run; nothing may wait for input.
  export SAM_CLI_TELEMETRY=0
}

ensure_cargo_lambda() {
  local venv="$ATELIER_TOOLS_DIR/cargo-lambda-$CARGO_LAMBDA_VERSION"
  tools_venv "$venv" "cargo-lambda==$CARGO_LAMBDA_VERSION"
  CARGO_LAMBDA_BIN="$venv/bin/cargo-lambda"
  # cargo-lambda finds zig on PATH; the wheel installs it into the same venv.
  export PATH="$venv/bin:$PATH"
}
