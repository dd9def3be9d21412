# shellcheck shell=bash
# Python 3.14 test environment for this repo: sourced by scripts/test (and any script that
# needs to run something with the test venv).
#
#   source scripts/lib/python314.sh
#   py314_init                 # sets PY314_* variables, picks native or chroot mode
#   py314_ensure               # provisions everything (idempotent, locked, fast when warm)
#   py314_run [--host-net] CMD [ARGS...]   # runs CMD in the repo with the venv first on PATH
#
# Native mode: a python3.14 (>= 3.14.2) on PATH; venv at $REPO/.venv.
# Chroot mode (the host has no 3.14, e.g. Debian 12): a Debian forky root made by debootstrap
# at $CACHE/py314-root, venv inside it at /opt/venvs/<key>. Commands run in a private mount,
# PID and network namespace (only `lo` up), with the repo and the cache bind-mounted at their
# own absolute paths, so paths printed inside are valid outside.
#
# CACHE = $OPENCLAW_HA_CACHE, else ~/.cache/openclaw-ha. OPENCLAW_HA_MODE=native|chroot forces
# a mode. Each step is built aside and marked complete last, so a killed run is redone, not
# trusted.

PY314_MIN="3.14.2"
PY314_UV_VERSION="0.13.9"
# Bump to force every venv to be rebuilt (part of the venv key).
PY314_RECIPE="1"

py314_log() { echo "py314: $*" >&2; }
py314_die() { echo "py314: error: $*" >&2; exit 1; }

# py314_version_ok PYTHON -> 0 when PYTHON runs and is >= PY314_MIN and a 3.14.
py314_version_ok() {
  "$@" -c 'import sys
need = tuple(int(p) for p in sys.argv[1].split("."))
sys.exit(0 if sys.version_info[:2] == (3, 14) and sys.version_info[:3] >= need else 1)' \
    "$PY314_MIN" 2>/dev/null
}

py314_init() {
  PY314_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
  PY314_CACHE="${OPENCLAW_HA_CACHE:-$HOME/.cache/openclaw-ha}"
  mkdir -p "$PY314_CACHE"
  PY314_CACHE="$(cd "$PY314_CACHE" && pwd -P)"
  export OPENCLAW_HA_CACHE="$PY314_CACHE"
  PY314_ROOT="$PY314_CACHE/py314-root"
  PY314_REQ="$PY314_REPO/requirements_test.txt"
  [ -f "$PY314_REQ" ] || py314_die "missing $PY314_REQ"

  local mode="${OPENCLAW_HA_MODE:-}"
  if [ -z "$mode" ]; then
    if command -v python3.14 >/dev/null 2>&1 && py314_version_ok python3.14; then
      mode=native
    else
      mode=chroot
    fi
  fi
  case "$mode" in
    native)
      PY314_PY="$(command -v python3.14)" || py314_die "OPENCLAW_HA_MODE=native but no python3.14"
      py314_version_ok "$PY314_PY" || py314_die "$PY314_PY is not >= $PY314_MIN"
      # The base interpreter, not an activated venv's (which may be the .venv rebuilt here).
      PY314_PY="$("$PY314_PY" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
      ;;
    chroot)
      [ "$(id -u)" = 0 ] || py314_die "no python3.14 >= $PY314_MIN on PATH, and building the" \
        "Debian forky chroot that provides one needs root (run as root, or install python3.14)"
      ;;
    *) py314_die "OPENCLAW_HA_MODE must be native or chroot, not '$mode'" ;;
  esac
  PY314_MODE="$mode"
  PY314_KEY="$({ cat "$PY314_REQ"; echo "recipe=$PY314_RECIPE uv=$PY314_UV_VERSION mode=$mode"; } \
    | sha256sum | cut -c1-16)"
  if [ "$mode" = native ]; then
    PY314_VENV="$PY314_REPO/.venv"           # path as seen by commands
    PY314_VENV_HOST="$PY314_VENV"            # path on the host
  else
    PY314_VENV="/opt/venvs/$PY314_KEY"
    PY314_VENV_HOST="$PY314_ROOT$PY314_VENV"
  fi
}

# --- chroot provisioning ---------------------------------------------------------------------

py314_apt_install() {  # py314_apt_install PKG... (host)
  py314_log "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 \
    || py314_die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 \
    || py314_die "apt-get install $* failed"
}

py314_root_ok() {
  [ -f "$PY314_ROOT/.openclaw-root-complete" ] && [ -x "$PY314_ROOT/usr/bin/python3.14" ] \
    && py314_version_ok chroot "$PY314_ROOT" /usr/bin/python3.14
}

py314_make_root() {
  command -v debootstrap >/dev/null 2>&1 || py314_apt_install debootstrap
  local script=/usr/share/debootstrap/scripts/sid  # forky/sid use sid's script
  local suite tmp
  rm -rf "$PY314_ROOT".tmp.*  # left by a killed run (we hold the lock)
  for suite in forky sid; do
    tmp="$PY314_ROOT.tmp.$$"
    rm -rf "$tmp"
    py314_log "debootstrap $suite into $tmp (about 40 s)"
    local t0=$SECONDS
    if debootstrap --variant=minbase --include=python3.14,python3.14-venv,ca-certificates \
      "$suite" "$tmp" "${OPENCLAW_HA_DEBIAN_MIRROR:-http://deb.debian.org/debian}" "$script" \
      >"$PY314_CACHE/debootstrap.log" 2>&1 \
      && [ -x "$tmp/usr/bin/python3.14" ] && py314_version_ok chroot "$tmp" /usr/bin/python3.14
    then
      rm -rf "$PY314_ROOT"
      date -u +%FT%TZ" $suite" >"$tmp/.openclaw-root-complete"
      mv "$tmp" "$PY314_ROOT"
      py314_log "root ready: $(chroot "$PY314_ROOT" /usr/bin/python3.14 --version) ($suite," \
        "$((SECONDS - t0)) s)"
      return 0
    fi
    py314_log "debootstrap $suite failed (log: $PY314_CACHE/debootstrap.log)"
    tail -n 5 "$PY314_CACHE/debootstrap.log" >&2 || true
    rm -rf "$tmp"
  done
  py314_die "could not build a Python $PY314_MIN+ root with debootstrap"
}

# Copy what downloads need from the host; cheap, so done on every setup.
py314_refresh_root_files() {
  local f
  for f in /etc/ssl/certs/ca-certificates.crt /etc/resolv.conf; do
    if [ -f "$f" ] && ! cmp -s "$f" "$PY314_ROOT$f"; then
      rm -f "$PY314_ROOT$f"  # may be a symlink into the root
      cp -L "$f" "$PY314_ROOT$f"
    fi
  done
}

# py314_chroot_hostnet CMD...: run CMD in the root with the host's network (for downloads).
py314_chroot_hostnet() {
  unshare --mount --pid --fork --kill-child bash -euc '
    root="$1"; shift
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    exec chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin \
      LANG=C.UTF-8 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt "$@"
  ' py314-hostnet "$PY314_ROOT" "$@"
}

py314_make_venv_chroot() {
  local venv="$PY314_VENV" uvdir="/opt/uv-$PY314_UV_VERSION"
  if [ ! -f "$PY314_ROOT$uvdir/.complete" ]; then
    py314_log "installing uv $PY314_UV_VERSION"
    rm -rf "$PY314_ROOT$uvdir"
    if py314_chroot_hostnet /bin/sh -ec "
      /usr/bin/python3.14 -m venv $uvdir
      $uvdir/bin/pip install -q --disable-pip-version-check uv==$PY314_UV_VERSION
      $uvdir/bin/uv --version >/dev/null
      touch $uvdir/.complete"; then :; else
      py314_log "uv unavailable; falling back to pip (slower)"
      rm -rf "$PY314_ROOT$uvdir"
    fi
  fi
  rm -rf "$PY314_ROOT$venv"
  mkdir -p "$PY314_ROOT/opt/venvs" "$PY314_ROOT/opt/reqs"
  cp "$PY314_REQ" "$PY314_ROOT/opt/reqs/$PY314_KEY.txt"
  local req="/opt/reqs/$PY314_KEY.txt"
  py314_log "building venv $venv from requirements_test.txt"
  if [ -f "$PY314_ROOT$uvdir/.complete" ]; then
    py314_chroot_hostnet /bin/sh -ec "
      $uvdir/bin/uv venv -q --python /usr/bin/python3.14 $venv
      VIRTUAL_ENV=$venv $uvdir/bin/uv pip install -q -r $req"
  else
    py314_chroot_hostnet /bin/sh -ec "
      /usr/bin/python3.14 -m venv $venv
      $venv/bin/pip install -q --disable-pip-version-check -r $req"
  fi || py314_die "venv install failed (see above)"
}

py314_make_venv_native() {
  local venv="$PY314_VENV"
  rm -rf "$venv"
  py314_log "building venv $venv from requirements_test.txt"
  if command -v uv >/dev/null 2>&1; then
    uv venv -q --python "$PY314_PY" "$venv" && VIRTUAL_ENV="$venv" uv pip install -q -r "$PY314_REQ"
  else
    "$PY314_PY" -m venv "$venv" \
      && "$venv/bin/pip" install -q --disable-pip-version-check -r "$PY314_REQ"
  fi || py314_die "venv install failed (see above)"
}

py314_venv_ok() {
  [ -f "$PY314_VENV_HOST/.openclaw-venv-complete" ] \
    && [ "$(cat "$PY314_VENV_HOST/.openclaw-venv-complete")" = "$PY314_KEY" ]
}

py314_ensure() {
  local t0=$SECONDS
  # One setup at a time per cache (other runs on this machine may be provisioning too).
  exec 8>"$PY314_CACHE/.py314.lock"
  flock 8
  if [ "$PY314_MODE" = chroot ]; then
    command -v unshare >/dev/null 2>&1 || py314_apt_install util-linux
    py314_root_ok || py314_make_root
    py314_refresh_root_files
    if ! py314_venv_ok; then
      local t1=$SECONDS
      py314_make_venv_chroot
      py314_log "venv built in $((SECONDS - t1)) s"
      echo "$PY314_KEY" >"$PY314_VENV_HOST/.openclaw-venv-complete"
      # Keep the 3 newest venvs: another run may still be using an older one.
      local d
      ls -1dt "$PY314_ROOT"/opt/venvs/*/ | tail -n +4 | while IFS= read -r d; do
        rm -rf "$d" "$PY314_ROOT/opt/reqs/$(basename "$d").txt"
      done
    fi
  else
    if ! py314_venv_ok; then
      py314_make_venv_native
      echo "$PY314_KEY" >"$PY314_VENV_HOST/.openclaw-venv-complete"
    fi
  fi
  flock -u 8
  exec 8>&-
  py314_log "environment ready ($PY314_MODE, venv $PY314_VENV) in $((SECONDS - t0)) s"
}

# --- running ----------------------------------------------------------------------------------

# Variables passed into the sandbox (everything else is dropped for reproducible runs).
py314_env_args() {
  local -a env=(
    "HOME=/root" "LANG=C.UTF-8" "LC_ALL=C.UTF-8"
    "PATH=$PY314_VENV/bin:/usr/local/bin:/usr/bin:/bin"
    "VIRTUAL_ENV=$PY314_VENV"
    "OPENCLAW_HA_CACHE=$PY314_CACHE"
    "PYTHONUNBUFFERED=1"
  )
  [ "$PY314_MODE" = native ] && env[0]="HOME=$HOME"
  local v
  for v in CI TERM COLUMNS NO_COLOR FORCE_COLOR PYTEST_ADDOPTS $(compgen -v OPENCLAW_); do
    case "$v" in OPENCLAW_HA_CACHE) continue ;; esac
    [ -n "${!v+x}" ] && env+=("$v=${!v}")
  done
  printf '%s\0' "${env[@]}"
}

# Raises `lo` in a new network namespace where iproute2's `ip` is missing (SIOCGIFFLAGS,
# SIOCSIFFLAGS with IFF_UP).
PY314_LO_UP='import fcntl, socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))'

# py314_run [--host-net] CMD [ARGS...]: run CMD with cwd = repo, venv on PATH. Without
# --host-net it runs in a fresh network namespace where only loopback exists; a PID namespace
# makes sure nothing it started (a gateway, a server) outlives it.
py314_run() {
  local hostnet=0
  if [ "${1:-}" = --host-net ]; then hostnet=1; shift; fi
  local -a env
  mapfile -d '' env < <(py314_env_args)
  local -a ns=(--pid --fork --kill-child)
  [ "$hostnet" = 1 ] || ns+=(--net)

  # The namespace's PID 1 is a bash that stays (no exec) so orphans get reaped.
  if [ "$PY314_MODE" = native ]; then
    # No mount namespace here: nothing is mounted, and one fails where / is no mount point.
    [ "$(id -u)" = 0 ] || ns+=(--map-root-user)  # needs unprivileged user namespaces
    if unshare "${ns[@]}" true 2>/dev/null; then
      unshare "${ns[@]}" bash -euc '
        if [ "$1" = 0 ]; then
          if command -v ip >/dev/null 2>&1; then ip link set lo up; else "$2" -c "$3"; fi
        fi
        shift 3; cd "$1"; shift
        rc=0; env -i "$@" || rc=$?; exit "$rc"' py314-native "$hostnet" "$PY314_PY" "$PY314_LO_UP" \
        "$PY314_REPO" "${env[@]}" "$@"
    else
      py314_log "note: cannot create namespaces here; running with the host's network"
      (cd "$PY314_REPO" && exec env -i "${env[@]}" "$@")
    fi
    return
  fi

  unshare --mount "${ns[@]}" bash -euc '
    root="$1" repo="$2" cache="$3" hostnet="$4" lo_up="$5"; shift 5
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"   # first: the repo may live under /tmp
    for d in "$cache" "$repo"; do
      mkdir -p "$root$d"
      mount --bind "$d" "$root$d"
    done
    if [ "$hostnet" = 0 ]; then
      if command -v ip >/dev/null 2>&1; then
        ip link set lo up
      else
        chroot "$root" /usr/bin/python3.14 -c "$lo_up"
      fi
    fi
    rc=0
    chroot "$root" /bin/bash -c "cd \"\$1\" && shift && exec /usr/bin/env -i \"\$@\"" \
      py314-chroot "$repo" "$@" || rc=$?
    exit "$rc"
  ' py314-sandbox "$PY314_ROOT" "$PY314_REPO" "$PY314_CACHE" "$hostnet" "$PY314_LO_UP" \
    "${env[@]}" "$@"
}
