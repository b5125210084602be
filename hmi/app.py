"""The app: which page is open, what a tap does, and when a frame is drawn.

``HmiApp`` owns no window: it draws into any surface and takes taps as coordinates, so the
same object runs the panel, the desktop window, the headless screenshots and the tests
(which drive it with a fake clock and synthetic taps).
"""
from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, replace
from typing import Optional

import pygame

from hmi import chrome
from hmi.backlight import Backlight
from hmi.bus import DataBus
from hmi.cache import LruCache
from hmi.model import BusState, Command, CommandResult, LinkState, PackLink, PackView, alarm_code
from hmi.profile import Profile
from hmi.protocols import load_protocols
from hmi.text import TextRenderer
from hmi.theme import Theme
from hmi.widgets import Canvas, Target
from screens import all_pages
from screens.base import Page
from screens.context import PageContext, UiState
from screens.common import lost_panel, unavailable_panel
from screens.dialogs import busy
from screens.protocol import Draft, clamp_draft, current_draft

log = logging.getLogger(__name__)

LOGO_SECONDS = 2.5
WAKE_LOGO_SECONDS = 1.2
NOTICE_SECONDS = 6.0
COMMAND_TIMEOUT_S = 10.0
DEFAULT_PIN = "1234"
MAX_PIN_DIGITS = 8

_NO_LINK = PackLink(LinkState.LOST, None, None, "no data source")


@dataclass(frozen=True)
class Notice:
    ok: bool
    text: str
    until: float


@dataclass(frozen=True)
class FrameReport:
    """What the last frame showed, for checks that no stale value was drawn as live."""

    page: str
    #: The pack the page was about, if any.
    address: Optional[int]
    #: The link state of that pack when the frame was drawn.
    link: Optional[LinkState]
    #: "live" (values in their colours), "stale" (values greyed), "withdrawn" (lost
    #: panel, no values), "unavailable" (the source does not carry them), "none".
    values: str


@dataclass(frozen=True)
class Banner:
    address: int
    code: int


class HmiApp:
    def __init__(self, bus: DataBus, profile: Profile, theme: Theme, *,
                 start_page: str = "logo", logo_seconds: float = LOGO_SECONDS,
                 driver=None, pin: str = DEFAULT_PIN, sleep_after_s: float = 0.0,
                 backlight: Optional[Backlight] = None, text: Optional[TextRenderer] = None):
        self.bus = bus
        self.profile = profile
        self.theme = theme
        self.driver = driver
        self.pin = pin
        self.sleep_after_s = sleep_after_s
        self.backlight = backlight or Backlight()
        self.pages: dict[str, Page] = all_pages()
        self.protocols = load_protocols()
        # The splash's renderer when it drew the logo: its fonts are loaded already.
        self.text = text or TextRenderer(theme, profile)
        self.parts: LruCache = LruCache(chrome.NAV_BARS_KEPT)
        self.logo_seconds = logo_seconds
        self.ui = UiState(page=start_page)
        self.notice: Optional[Notice] = None
        self.banners: tuple[Banner, ...] = ()
        self.asleep = False
        self._clock = bus.clock
        self._page_since = self._clock.monotonic()
        self._last_input = self._clock.monotonic()
        self._return_page: Optional[str] = None
        self._targets: list[Target] = []
        self._pressed: Optional[tuple[tuple[int, int], Optional[Target]]] = None
        self._swallow = False
        self._drawn_key: object = None
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, float]] = {}
        self._known_alarms: Optional[frozenset[tuple[int, int]]] = None
        self.last_frame: Optional[FrameReport] = None

    # -- navigation --------------------------------------------------------------------
    def nav_pages(self, state: BusState) -> list[Page]:
        return [p for p in self.pages.values()
                if p.nav_label and (state.is_master or not p.master_only)]

    def goto(self, page_id: str, **changes) -> None:
        if page_id not in self.pages:
            log.warning("no page %r", page_id)
            return
        changes.setdefault("dialog", ())
        self.ui = replace(self.ui, page=page_id, **changes)
        self._page_since = self._clock.monotonic()

    def update(self, state: Optional[BusState] = None) -> None:
        """Time- and data-driven changes, once per loop turn before drawing."""
        now = self._clock.monotonic()
        state = state or self.bus.view()
        for result in self.bus.take_results():
            self._on_result(result)
        for cid, (kind, since) in list(self._pending.items()):
            if now - since > COMMAND_TIMEOUT_S:
                self._on_result(CommandResult(cid, False, "no answer from the BMS"))
        self._watch_alarms(state)
        if self.notice and now >= self.notice.until:
            self.notice = None
        if self.ui.page == "logo":
            limit = WAKE_LOGO_SECONDS if self._return_page else self.logo_seconds
            if now - self._page_since >= limit:
                self.goto(self._return_page or "pack", dialog=self.ui.dialog)
                self._return_page = None
        # A new alarm nobody has looked at yet keeps the screen lit.
        if (self.sleep_after_s > 0 and not self.asleep and not self.banners
                and now - self._last_input >= self.sleep_after_s and not self._pending):
            self.sleep()

    # -- sleep and wake ----------------------------------------------------------------
    def sleep(self) -> None:
        log.info("idle: screen off")
        self.asleep = True
        self.backlight.set(False)

    def wake(self, to_page: Optional[str] = None) -> None:
        """Light the screen, show the logo briefly, then the page that was open."""
        log.info("wake")
        self.asleep = False
        self.backlight.set(True)
        self._last_input = self._clock.monotonic()
        self._return_page = to_page or self.ui.page
        if self._return_page == "logo":
            self._return_page = "pack"
        self.goto("logo", dialog=self.ui.dialog if to_page is None else ())
        self._drawn_key = None

    # -- alarms ------------------------------------------------------------------------
    def _watch_alarms(self, state: BusState) -> None:
        """Raise a banner for each protection that was not active at the last look."""
        active = frozenset((p.address, alarm_code(f)) for p in state.packs if p.live
                           for f in (*p.snapshot.protections, *p.snapshot.faults))
        known = self._known_alarms if self._known_alarms is not None else frozenset()
        new = sorted(active - known)
        self._known_alarms = active
        kept = tuple(b for b in self.banners if (b.address, b.code) in active)
        self.banners = kept + tuple(Banner(a, c) for a, c in new)
        if new and self.asleep:
            self.wake(to_page="alarms")
            self.ui = replace(self.ui, alarm_address=self.banners[-1].address)

    # -- input -------------------------------------------------------------------------
    def press(self, pos: tuple[int, int]) -> None:
        self._last_input = self._clock.monotonic()
        if self.asleep:
            # The touch that wakes a dark screen only wakes it: its release is swallowed too.
            self._swallow = True
            self._pressed = None
            self.wake()
            return
        self._pressed = (pos, self._hit(pos))

    def release(self, pos: tuple[int, int]) -> None:
        """A tap acts on release, on the target it began on; a longer move scrolls."""
        self._last_input = self._clock.monotonic()
        if self._swallow:
            self._swallow = False
            return
        if self._pressed is None:
            return
        start, target = self._pressed
        self._pressed = None
        dy = pos[1] - start[1]
        if abs(dy) >= self.profile.row_h // 2:
            area = self._hit(start, kind="scroll_area")
            if area is not None:
                _, page, row_h, max_first = area.action
                self._scroll(page, -round(dy / row_h), max_first)
            return
        if target is not None and target.rect.collidepoint(pos):
            self.act(target.action)

    def tap(self, pos: tuple[int, int]) -> None:
        self.press(pos)
        self.release(pos)

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        self.press(start)
        self.release(end)

    def _hit(self, pos: tuple[int, int], kind: Optional[str] = None) -> Optional[Target]:
        # Later targets are drawn on top (dialogs, banners), so they win; a dialog's
        # backdrop ("noop") hides everything under it, lists included.
        for t in reversed(self._targets):
            if not t.rect.collidepoint(pos):
                continue
            if t.action[0] == "noop":
                return t if kind is None else None
            if kind is None and t.action[0] != "scroll_area":
                return t
            if kind is not None and t.action[0] == kind:
                return t
        return None

    # -- actions -----------------------------------------------------------------------
    def act(self, action: tuple) -> None:
        handler = getattr(self, f"_on_{action[0]}", None)
        if handler is None:
            log.warning("unhandled action %r", action)
            return
        handler(*action[1:])

    def _on_noop(self) -> None:
        pass

    def _on_scroll_area(self, *_args) -> None:
        pass  # a tap on a list's empty space does nothing

    def _on_goto(self, page: str) -> None:
        self.goto(page, draft=(), selected=None, alarm_address=None)

    def _scroll(self, page: str, delta: int, max_first: int) -> None:
        scroll = dict(self.ui.scroll)
        scroll[page] = min(max_first, max(0, scroll.get(page, 0) + delta))
        self.ui = replace(self.ui, scroll=tuple(sorted(scroll.items())))

    def _on_scroll(self, page: str, delta: int, max_first: int) -> None:
        self._scroll(page, delta, max_first)

    def _on_close_dialog(self) -> None:
        self.ui = replace(self.ui, dialog=())

    def _on_open_alarm(self, index: int, code: int) -> None:
        self.ui = replace(self.ui, dialog=("alarm_detail", index, code))

    def _on_banner(self, address: int, code: int) -> None:
        self.banners = tuple(b for b in self.banners if (b.address, b.code) != (address, code))
        pack = self.bus.view().pack(address)
        records = (pack.snapshot.history.records
                   if pack and pack.snapshot and pack.snapshot.history else ())
        # Open the record of this trip (the newest of its code), which says where and how much.
        index = next((i for i, r in enumerate(records) if r.code == code), -1)
        self.goto("alarms", alarm_address=address, dialog=("alarm_detail", index, code))

    def _on_open_pack(self, address: int) -> None:
        self.goto("pack-detail", detail_address=address, selected=0)

    def _on_detail_tab(self, index: int) -> None:
        self.ui = replace(self.ui, selected=index)

    def _on_ask_clear(self) -> None:
        self.ui = replace(self.ui, dialog=("confirm_clear",))

    def _on_clear_history(self) -> None:
        pack = self.page_pack(self.bus.view())
        if pack is None:
            return
        self._submit(Command(next(self._ids), pack.address, "clear_history"),
                     "Clearing the history…")

    # inverter settings: draft → PIN → before/after → write → read back → applied
    def _draft(self) -> Optional[Draft]:
        state = self.bus.view()
        return current_draft(PageContext(state, self.ui, self.page_pack(state)))

    def _on_brand(self, protocol_id: int) -> None:
        d = self._draft()
        if d is not None and protocol_id in self.protocols:
            self.ui = replace(self.ui, draft=astuple(replace(d, protocol_id=protocol_id)))

    def _on_step(self, field: str, sign: int) -> None:
        d = self._draft()
        if d is None:
            return
        if field == "address":
            d = replace(d, address=d.address + sign)
        else:
            d = replace(d, cvl_dv=d.cvl_dv + sign)
        self.ui = replace(self.ui, draft=astuple(clamp_draft(d)))

    def _on_apply(self) -> None:
        self.ui = replace(self.ui, dialog=("pin", "", ""))

    def _on_pin_key(self, digit: str) -> None:
        entered = self.ui.dialog[1] if self.ui.dialog[:1] == ("pin",) else ""
        if len(entered) < MAX_PIN_DIGITS:
            self.ui = replace(self.ui, dialog=("pin", entered + digit, ""))

    def _on_pin_del(self) -> None:
        entered = self.ui.dialog[1] if self.ui.dialog[:1] == ("pin",) else ""
        self.ui = replace(self.ui, dialog=("pin", entered[:-1], ""))

    def _on_pin_ok(self) -> None:
        entered = self.ui.dialog[1] if self.ui.dialog[:1] == ("pin",) else ""
        if entered == self.pin:
            self.ui = replace(self.ui, dialog=("confirm_write",))
        else:
            log.info("installer PIN refused")
            self.ui = replace(self.ui, dialog=("pin", "", "Wrong PIN"))

    def _on_confirm_write(self) -> None:
        state = self.bus.view()
        pack = self.page_pack(state)
        d = self._draft()
        if pack is None or pack.snapshot is None or pack.snapshot.settings is None or d is None:
            self.notify(False, "Write failed: no data from the BMS")
            return
        changes = d.changes(pack.snapshot.settings)
        if not changes:
            self.ui = replace(self.ui, dialog=())
            return
        self._submit(Command(next(self._ids), pack.address, "write_settings", changes),
                     "Writing to the BMS…")

    def _submit(self, command: Command, waiting: str) -> None:
        if self.driver is None:
            self._on_result(CommandResult(command.id, False, "no link to the BMS"),
                            kind=command.kind)
            return
        self._pending[command.id] = (command.kind, self._clock.monotonic())
        self.ui = replace(self.ui, dialog=("busy", waiting))
        log.info("command %s", command)
        self.driver.submit(command)

    def _on_result(self, result: CommandResult, kind: Optional[str] = None) -> None:
        pending = self._pending.pop(result.command_id, None)
        if pending is None and kind is None:
            return  # an answer to a command we stopped waiting for
        kind = kind or pending[0]
        log.info("command %s %s: %s", result.command_id, "ok" if result.ok else "failed",
                 result.message)
        # Success or not, the page goes back to the BMS's own values: a failed write
        # changes nothing on screen.
        self.ui = replace(self.ui, dialog=(), draft=())
        if kind == "clear_history":
            self.notify(result.ok, "History cleared" if result.ok else
                         f"Clear failed: {result.message}")
        elif result.ok:
            self.notify(True, "Applied" + (f": {result.message}" if result.message else ""))
        else:
            self.notify(False, f"Write failed: {result.message}. Nothing was changed.")

    def notify(self, ok: bool, text: str) -> None:
        self.notice = Notice(ok, text, self._clock.monotonic() + NOTICE_SECONDS)

    # -- drawing -----------------------------------------------------------------------
    def page_pack(self, state: BusState) -> Optional[PackView]:
        if self.ui.page == "pack-detail" and self.ui.detail_address is not None:
            return state.pack(self.ui.detail_address)
        if self.ui.page == "alarms" and self.ui.alarm_address is not None:
            return state.pack(self.ui.alarm_address)
        return state.local

    def needs_draw(self, state: BusState) -> bool:
        return not self.asleep and self._frame_key(state) != self._drawn_key

    def _frame_key(self, state: BusState) -> object:
        # Ages are shown in whole seconds, so a second's tick is the finest change to draw.
        ages = tuple(int(p.link.age_s or 0) for p in state.packs
                     if p.link.state is not LinkState.LIVE)
        return (state.version, ages, tuple(p.link.state for p in state.packs), self.ui,
                self.notice, self.banners)

    def draw(self, surface: pygame.Surface, state: Optional[BusState] = None) -> BusState:
        """Draw a whole frame for ``state`` (read from the bus if not given)."""
        state = state or self.bus.view()
        page = self.pages[self.ui.page]
        pack = self.page_pack(state)
        surface.fill(self.theme.background)
        cv = Canvas(surface, self.theme, self.profile, self.text, parts=self.parts)
        ctx = PageContext(state, self.ui, pack, {"protocols": self.protocols})
        if page.id == "logo":
            page.draw(cv, surface.get_rect(), ctx)
            values = "none"
        else:
            values = self._draw_page(cv, page, ctx)
        self._targets = cv.targets
        self._drawn_key = self._frame_key(state)
        about = pack if page.about_pack else None
        self.last_frame = FrameReport(page.id, about.address if about else None,
                                      about.link.state if about else None, values)
        return state

    def _draw_page(self, cv: Canvas, page: Page, ctx: PageContext) -> str:
        """Header, the page (or why its values are not shown), nav bar, then what goes
        on top: banner, notice, dialog. Returns how the values were shown."""
        p, state, pack = self.profile, ctx.state, ctx.pack
        head = pygame.Rect(0, 0, p.width, p.header_h)
        nav = pygame.Rect(0, p.height - p.nav_h, p.width, p.nav_h)
        body = pygame.Rect(0, head.bottom, p.width, nav.top - head.bottom).inflate(
            -2 * p.margin, -2 * p.gap)
        badge = chrome.badge_for(state, page, pack)
        chrome.header(cv, head, page, pack if page.about_pack else None, badge)
        has_data = pack is not None and pack.snapshot is not None
        if page.about_pack and not has_data and not state.packs and state.system_link:
            unavailable_panel(cv, body, "Not available on CAN",
                              "The inverter link carries only the system summary.")
            values = "unavailable"
        elif page.about_pack and not has_data:
            lost_panel(cv, body, pack or PackView(state.local_address, None, _NO_LINK),
                       state.source)
            values = "withdrawn"
        else:
            cv.stale = bool(page.about_pack and pack.link.state is LinkState.STALE)
            page.draw(cv, body, ctx)
            values = ("stale" if cv.stale else "live") if page.about_pack else "none"
            cv.stale = False
        alarmed = any(p.live and (p.snapshot.protections or p.snapshot.faults)
                      for p in state.packs)
        chrome.nav_bar(cv, nav, self.nav_pages(state),
                       "packs" if self.ui.page == "pack-detail" else self.ui.page,
                       frozenset({"alarms"}) if alarmed else frozenset())
        if self.notice and not self.ui.dialog:
            chrome.notice(cv, head, self.notice.ok, self.notice.text)
        elif self.banners and not self.ui.dialog:
            chrome.alarm_banner(cv, head, self.banners[-1], len(self.banners), badge)
        overlay = cv.surface.get_rect().inflate(-2 * p.margin, -2 * p.margin)
        if self.ui.dialog[:1] == ("busy",):
            busy(cv, overlay, self.ui.dialog[1])
        elif not page.about_pack or has_data:
            page.draw_overlay(cv, overlay, ctx)
        return values


def astuple(d: Draft) -> tuple:
    return (d.protocol_id, d.address, d.cvl_dv)
