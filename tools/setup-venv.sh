#!/usr/bin/env bash
# Create .venv beside the repo and install the pinned packages; quick when already done.
# Usage: tools/setup-venv.sh [requirements file]   (default: requirements.txt)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
req=${1:-requirements.txt}
venv="$top/.venv"
stamp="$venv/.installed-$(basename "$req")"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { echo "python3 -m venv failed: on Debian run 'apt-get install python3-venv'" >&2; exit 1; }
fi
# Reinstall only when the requirement files changed since the last install.
if [ ! -f "$stamp" ] || [ "$top/$req" -nt "$stamp" ] || [ "$top/requirements.txt" -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$top/$req"
  touch "$stamp"
fi
