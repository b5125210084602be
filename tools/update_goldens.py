#!/usr/bin/env python3
"""Re-render every golden PNG and the contact sheet. Deliberate: the tests never do this.

Usage: .venv/bin/python tools/update_goldens.py [name-substring ...]
Then open every changed golden (git status tests/goldens) and the contact sheet
(docs/contact-sheet.png) and check each shows what the page should before committing.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hmi.contact_sheet import contact_sheet  # noqa: E402
from hmi.profile import PROFILES  # noqa: E402
from hmi.rotation_goldens import rotation_cases  # noqa: E402
from hmi.scenes import (golden_cases, headless, headless_environment, save_png,  # noqa: E402
                        surface_rgb)
from hmi.theme import load_theme  # noqa: E402


def main(filters: list[str]) -> int:
    headless_environment()
    headless()
    theme = load_theme()
    golden_dir = ROOT / "tests" / "goldens"
    golden_dir.mkdir(parents=True, exist_ok=True)
    items, changed = [], []
    # Page layouts go on the contact sheet; the turned-panel pictures are checked alone.
    cases = [(n, r, True) for n, r in golden_cases(PROFILES, theme)] + \
        [(n, r, False) for n, r in rotation_cases(theme)]
    for name, render, on_sheet in cases:
        surface = render()
        if on_sheet:
            items.append((name, surface))
        if filters and not any(f in name for f in filters):
            continue
        path = golden_dir / f"{name}.png"
        if path.exists():
            from PIL import Image
            with Image.open(path) as im:
                if im.convert("RGB").tobytes() == surface_rgb(surface):
                    continue
        save_png(surface, path)
        changed.append(name)
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    save_png(contact_sheet(items, theme), docs / "contact-sheet.png")
    print(f"{len(cases)} cases, {len(changed)} goldens written: {', '.join(changed) or '-'}")
    print("contact sheet: docs/contact-sheet.png — look at every changed golden before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
