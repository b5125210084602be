#!/usr/bin/env bash
# Set up (first time) and start the HMI on the simulated battery. Extra arguments go to
# run_hmi.py, e.g.  ./run.sh --size 800x480   or   ./run.sh --screenshot cells --out c.png
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/setup-venv.sh" requirements.txt
exec "$top/.venv/bin/python" "$top/run_hmi.py" "$@"
