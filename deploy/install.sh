#!/usr/bin/env bash
# Install the BMS HMI on this board as a kiosk service that starts at boot.
#
#   sudo deploy/install.sh             install, or bring an installation up to date
#   deploy/install.sh --dry-run        print every step it would take; change nothing
#   sudo deploy/install.sh --link      run the app from this checkout instead of a copy
#
# Idempotent: each step looks first and says "ok:" when the state is already right, so a
# second run changes nothing and ends with "nothing to change". The settings file
# /etc/bms-hmi/hmi.toml is written only when absent, never overwritten.
#
# Environment:
#   ROOT=/path   install under /path instead of / (an image being prepared, or a test).
#                Steps that need the running system (apt-get, udev reload, daemon-reload,
#                restart) are then skipped with a line saying so.
#   PYTHON=...   the interpreter the venv is made from (default python3, 3.11 or newer).
set -euo pipefail

APP_USER=bms-hmi
PREFIX=/opt/bms-hmi
GROUPS_WANTED=(dialout input video render)
# Python's venv, and what SDL's KMS/DRM video driver loads at run time.
PACKAGES=(python3-venv libdrm2 libgbm1 libegl1 libgles2)
UNIT=bms-hmi.service
RULE=90-bms-hmi-backlight.rules

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=${ROOT:-}
ROOT=${ROOT%/}
PYTHON=${PYTHON:-python3}
DRY=0
LINK=0

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
for arg in "$@"; do
  case $arg in
    --dry-run|-n) DRY=1 ;;
    --link) LINK=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $arg" >&2; usage >&2; exit 2 ;;
  esac
done

CHANGES=0
# One line per step. act DESCRIPTION COMMAND...: dry run prints it, otherwise runs it.
act() {
  local what=$1; shift
  CHANGES=$((CHANGES + 1))
  if [ "$DRY" = 1 ]; then
    printf 'would: %s: %s\n' "$what" "$*"
  else
    printf 'do: %s: %s\n' "$what" "$*"
    "$@"
  fi
}
ok() { printf 'ok: %s\n' "$*"; }
skip() { printf 'skip: %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# -- preflight ------------------------------------------------------------------------------
if [ "$DRY" = 0 ] && [ -z "$ROOT" ] && [ "$(id -u)" != 0 ]; then
  die "run as root (sudo $0), or see the plan with --dry-run"
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null ||
  die "$PYTHON is missing or older than 3.11 (Debian 12 / Raspberry Pi OS bookworm have 3.11)"

user_exists() { grep -q "^$APP_USER:" "$ROOT/etc/passwd" 2>/dev/null; }
group_exists() { grep -q "^$1:" "$ROOT/etc/group" 2>/dev/null; }
in_group() {
  awk -F: -v g="$1" -v u="$APP_USER" \
    '$1 == g { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u) f = 1 } END { exit !f }' \
    "$ROOT/etc/group" 2>/dev/null
}
# Numeric, so that under ROOT the image's group is meant, not the host's.
app_gid() { awk -F: -v g="$APP_USER" '$1 == g { print $3 }' "$ROOT/etc/group" 2>/dev/null; }
ROOT_OPT=()
[ -n "$ROOT" ] && ROOT_OPT=(--root "$ROOT")

# -- 1. packages ----------------------------------------------------------------------------
if [ -n "$ROOT" ]; then
  skip "packages (ROOT is set: install ${PACKAGES[*]} in the image yourself)"
else
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    ok "packages ${PACKAGES[*]} installed"
  else
    act "install packages" apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# -- 2. user and groups ---------------------------------------------------------------------
if user_exists; then
  ok "user $APP_USER exists"
else
  act "create system user $APP_USER" useradd "${ROOT_OPT[@]}" --system --user-group \
    --home-dir /var/lib/bms-hmi --no-create-home --shell /usr/sbin/nologin "$APP_USER"
fi
for g in "${GROUPS_WANTED[@]}"; do
  if ! group_exists "$g"; then
    skip "group $g does not exist on this system"
  elif in_group "$g"; then
    ok "$APP_USER is in group $g"
  else
    act "add $APP_USER to group $g" usermod "${ROOT_OPT[@]}" -a -G "$g" "$APP_USER"
  fi
done

# -- 3. the app -----------------------------------------------------------------------------
APP=$ROOT$PREFIX/app
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
replace_tree() {  # replace_tree NEW DEST: DEST becomes a copy of NEW
  mkdir -p "$(dirname "$2")"
  rm -rf "$2.new"
  cp -a "$1" "$2.new"
  # Copied first, swapped after: the old app stays whole until the new one is complete.
  rm -rf "$2"
  mv "$2.new" "$2"
}
if [ "$LINK" = 1 ]; then
  if [ -L "$APP" ] && [ "$(readlink "$APP")" = "$SRC" ]; then
    ok "$PREFIX/app links to $SRC"
  else
    act "link $PREFIX/app to $SRC" sh -c 'mkdir -p "$(dirname "$1")" && rm -rf "$1" && ln -s "$2" "$1"' \
      link "$APP" "$SRC"
  fi
else
  mkdir -p "$STAGE/app"
  # What the panel runs, without the repo's working files.
  tar -C "$SRC" --exclude=./.git --exclude=./.venv --exclude=./tests --exclude=./out \
    --exclude=__pycache__ --exclude='*.pyc' --exclude=.pytest_cache --exclude=.hypothesis \
    -cf - . | tar -C "$STAGE/app" --no-same-owner -xf -
  if [ -d "$APP" ] && [ ! -L "$APP" ] && diff -rq "$STAGE/app" "$APP" >/dev/null 2>&1; then
    ok "$PREFIX/app is up to date"
  else
    act "copy the app from $SRC to $PREFIX/app" replace_tree "$STAGE/app" "$APP"
  fi
fi

# -- 4. venv --------------------------------------------------------------------------------
VENV=$ROOT$PREFIX/venv
REQS=$SRC/requirements.txt
want=$(sha256sum "$REQS" | cut -d' ' -f1)
have=$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)
pip_install() {  # pip_install VENV REQUIREMENTS: install, then stamp what was installed
  "$1/bin/pip" install --no-cache-dir --disable-pip-version-check -r "$2"
  sha256sum "$2" | cut -d' ' -f1 > "$1/.requirements.sha256"
}
if [ -x "$VENV/bin/python" ]; then
  ok "venv $PREFIX/venv exists"
else
  act "create the venv $PREFIX/venv" "$PYTHON" -m venv "$VENV"
fi
if [ "$have" = "$want" ]; then
  ok "venv has the packages of requirements.txt"
else
  act "install requirements.txt into the venv" pip_install "$VENV" "$REQS"
fi

# -- 5. settings, unit, udev rule -----------------------------------------------------------
CONF=$ROOT/etc/bms-hmi/hmi.toml
if [ -e "$CONF" ]; then
  ok "keep /etc/bms-hmi/hmi.toml (never overwritten)"
else
  # 0640 root:bms-hmi: the installer PIN is in it.
  gid=$(app_gid || true)
  owner=(-o 0 -g "${gid:-$APP_USER}")
  if [ -n "$ROOT" ] && [ "$(id -u)" != 0 ]; then
    skip "owner root:$APP_USER of /etc/bms-hmi/hmi.toml (not root: set it in the image)"
    owner=()
  fi
  act "write /etc/bms-hmi/hmi.toml from deploy/hmi.example.toml" \
    install -D -m 0640 "${owner[@]}" "$SRC/deploy/hmi.example.toml" "$CONF"
fi
install_file() {  # install_file SRC DEST: installs it when different; returns 0 if it did
  if cmp -s "$1" "$2"; then
    ok "${2#"$ROOT"} is up to date"
    return 1
  fi
  act "install ${2#"$ROOT"}" install -D -m 0644 "$1" "$2"
}
UNIT_CHANGED=0
RULE_CHANGED=0
install_file "$SRC/deploy/$UNIT" "$ROOT/etc/systemd/system/$UNIT" && UNIT_CHANGED=1
install_file "$SRC/deploy/$RULE" "$ROOT/etc/udev/rules.d/$RULE" && RULE_CHANGED=1

# -- 6. systemd and udev --------------------------------------------------------------------
if [ "$RULE_CHANGED" = 1 ]; then
  if [ -n "$ROOT" ]; then
    skip "udev reload (ROOT is set: the rule applies when the image boots)"
  else
    act "apply the backlight rule now" sh -c \
      'udevadm control --reload-rules && udevadm trigger --subsystem-match=backlight --action=add'
  fi
fi
if [ "$UNIT_CHANGED" = 1 ]; then
  if [ -n "$ROOT" ]; then
    skip "systemctl daemon-reload (ROOT is set)"
  else
    act "reload systemd" systemctl daemon-reload
  fi
fi
if [ -L "$ROOT/etc/systemd/system/multi-user.target.wants/$UNIT" ]; then
  ok "$UNIT is enabled at boot"
else
  act "enable $UNIT at boot" systemctl "${ROOT_OPT[@]}" enable "$UNIT"
fi
if [ -n "$ROOT" ]; then
  skip "start (ROOT is set: it starts when the image boots)"
elif [ "$CHANGES" -gt 0 ]; then
  act "restart $UNIT with what changed" systemctl restart "$UNIT"
elif systemctl is-active --quiet "$UNIT" 2>/dev/null; then
  ok "$UNIT is running"
else
  act "start $UNIT" systemctl start "$UNIT"
fi

if [ "$CHANGES" -eq 0 ]; then
  echo "nothing to change: the HMI is installed as it should be"
elif [ "$DRY" = 1 ]; then
  echo "$CHANGES steps would run (dry run: nothing was changed)"
else
  echo "$CHANGES steps done; logs: journalctl -u $UNIT -f"
fi
