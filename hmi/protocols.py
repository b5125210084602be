"""The inverter protocol table (register 39), read from a data file battery makers extend."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Optional

from hmi.theme import ASSETS

log = logging.getLogger(__name__)

PROTOCOL_FILE = ASSETS / "protocols" / "protocols.json"


def load_protocols(path: Optional[Path] = None) -> dict[int, str]:
    """id → brand name, in id order. A bad file gives an empty table and one log line."""
    path = path or PROTOCOL_FILE
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))["protocols"]
        table = {int(e["id"]): str(e["name"]) for e in entries}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("protocol table %s unreadable (%s); brands cannot be chosen", path, exc)
        return {}
    return dict(sorted(table.items()))
