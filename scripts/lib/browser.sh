# Debian's Chromium for the web's end-to-end and Lighthouse runs. Source it.
# shellcheck shell=bash
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The distribution's browser, never one downloaded by Playwright: it is
# patched by the OS, and the registries are the only network this needs.
ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then
    return 0
  fi
  log "installing chromium (Debian package)"
  # The package's maintainer scripts write to TMPDIR; a private one keeps a
  # shared /tmp from breaking or observing the install.
  local tmp
  tmp="$(mktemp -d)"
  TMPDIR="$tmp" apt_install chromium
  rm -rf "$tmp"
  [[ -x /usr/bin/chromium ]] || die "chromium did not install to /usr/bin/chromium"
}
