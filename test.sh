#!/usr/bin/env bash
# Set up (first time) and run every test. Extra arguments go to pytest.
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/setup-venv.sh" requirements-test.txt
cd "$top"
exec "$top/.venv/bin/python" -m pytest "$@"
