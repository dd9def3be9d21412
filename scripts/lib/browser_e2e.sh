# shellcheck shell=bash
# What the chat card's browser test (tests/e2e/test_chat_card_browser.py) and the card's unit
# tests (tests/frontend/) need besides the test venv and the gateway. Sourced by scripts/test
# after py314_ensure; runs outside the sandbox (it needs apt, npm and PyPI). Idempotent and
# fast when warm (three stamp checks).
#
#   browser_e2e_ensure   installs what is missing, exports OPENCLAW_BROWSER_E2E_SITE
#
# 1. Debian's chromium: in the Python 3.14 root (chroot mode) or on the host (native mode).
# 2. frontend/node_modules (lit, esbuild, playwright-core) via scripts/build-card --install-only.
# 3. requirements_runtime.txt (Home Assistant's web UI, and what the UI's service descriptions
#    import, as for scripts/develop) in $CACHE/browser-e2e/site-<key>, on the PYTHONPATH of the
#    Home Assistant process the test starts.
# Set OPENCLAW_SKIP_BROWSER_E2E=1 to skip all of it (the browser test then skips, or fails in CI).

browser_e2e_log() { echo "browser-e2e: $*" >&2; }

browser_e2e_chromium() {
  if [ "$PY314_MODE" = chroot ]; then
    [ -x "$PY314_ROOT/usr/bin/chromium" ] && return 0
    browser_e2e_log "installing chromium into the Python 3.14 root with apt (once, ~230 MB)"
    # Same lock as py314_ensure: nothing else changes the root meanwhile. The mirror's Release
    # file of a testing suite may be past its Valid-Until when the root is old; packages are
    # still signed, so that check alone is relaxed.
    (
      flock 8
      py314_chroot_hostnet /bin/sh -ec '
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o Acquire::Check-Valid-Until=false update -qq
        apt-get install -y -qq --no-install-recommends chromium >/dev/null
        chromium --version'
    ) 8>"$PY314_CACHE/.py314.lock" >&2
  else
    command -v chromium >/dev/null 2>&1 || py314_apt_install chromium
  fi
}

browser_e2e_site() {
  local req="$PY314_REPO/requirements_runtime.txt" key site
  key="$({ cat "$req"; echo "$PY314_KEY"; } | sha256sum | cut -c1-16)"
  site="$PY314_CACHE/browser-e2e/site-$key"
  if [ ! -f "$site/.complete" ]; then
    browser_e2e_log "installing requirements_runtime.txt into $site"
    mkdir -p "$PY314_CACHE/browser-e2e"
    rm -rf "$site.tmp"
    local certs=()
    [ -f /etc/ssl/certs/ca-certificates.crt ] \
      && certs=(SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt)
    py314_run --host-net env "${certs[@]}" uv pip install -q --no-deps --python python \
      --target "$site.tmp" -r "$req" >&2 || return 1
    touch "$site.tmp/.complete"
    mv "$site.tmp" "$site"
    local d
    for d in "$PY314_CACHE"/browser-e2e/site-*; do
      [ "$d" = "$site" ] || rm -rf "$d"
    done
  fi
  export OPENCLAW_BROWSER_E2E_SITE="$site"
}

browser_e2e_ensure() {
  [ "${OPENCLAW_SKIP_BROWSER_E2E:-}" = 1 ] && return 0
  local t0=$SECONDS
  command -v npm >/dev/null 2>&1 || py314_apt_install npm
  browser_e2e_chromium || { browser_e2e_log "error: installing chromium failed"; return 1; }
  "$PY314_REPO/scripts/build-card" --install-only \
    || { browser_e2e_log "error: npm ci in frontend/ failed"; return 1; }
  browser_e2e_site || { browser_e2e_log "error: installing the HA frontend failed"; return 1; }
  browser_e2e_log "ready in $((SECONDS - t0)) s"
}
