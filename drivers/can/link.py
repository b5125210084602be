"""One CAN link on its own thread: open, receive, record, decode, publish; never raise.

Shared by the live driver (a python-can bus) and replay (a recording played with its
timing): both are a *frame source* with python-can's ``recv(timeout)`` and ``shutdown()``,
so a replayed log goes through exactly the code a live bus does.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Optional, Protocol

import can

from drivers.can.decode import CanCounters, SystemDecoder
from hmi.bus import DataBus

log = logging.getLogger(__name__)


class FrameSource(Protocol):
    def recv(self, timeout: Optional[float] = None) -> Optional[can.Message]: ...

    def shutdown(self) -> None: ...


class FrameListener(Protocol):
    def on_message_received(self, msg: can.Message) -> None: ...

    def stop(self) -> None: ...


def _seconds(s: float) -> str:
    return f"{s:.1f}" if s < 2 else f"{s:.0f}"


class LinkLoop:
    """Reads a frame source until stopped; reconnects with backoff when it fails."""

    #: A pause this long ends the master's once-a-second burst: publish one snapshot then.
    QUIET_S = 0.1
    #: On a bus that never pauses, publish at least this often all the same.
    MAX_HOLD_S = 0.5
    #: First and longest wait between attempts to open a failing source.
    BACKOFF_S = (1.0, 30.0)

    def __init__(self, open_source: Callable[[], FrameSource], describe: str,
                 decoder: SystemDecoder, silence_s: float):
        self._open = open_source
        self.describe = describe
        self.decoder = decoder
        self.silence_s = silence_s
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._listener_lock = threading.Lock()
        self._listener: Optional[FrameListener] = None
        #: True while the source is open and being read (the diagnostics page shows it).
        self.is_open = False
        self._published = 0
        self._bus_errors = 0
        self._reconnects = 0

    # -- control -----------------------------------------------------------------------
    def start(self, bus: DataBus) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(bus,), daemon=True,
                                        name=f"link {self.describe}")
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.set_listener(None)

    def set_listener(self, listener: Optional[FrameListener]) -> None:
        """Hand every received frame (before decoding) to ``listener``; None detaches.

        The previous listener is stopped, so a recording file is closed complete.
        """
        with self._listener_lock:
            old, self._listener = self._listener, listener
        if old is not None and old is not listener:
            old.stop()

    def counters(self) -> CanCounters:
        return self.decoder.counters(published=self._published, bus_errors=self._bus_errors,
                                     reconnects=self._reconnects)

    # -- the thread --------------------------------------------------------------------
    def _run(self, bus: DataBus) -> None:
        delay = self.BACKOFF_S[0]
        failed = False
        while not self._stop.is_set():
            try:
                source = self._open()
            except Exception as exc:  # no such interface, adapter unplugged, driver missing
                self._fail(bus, f"cannot open {self.describe}: {exc}", delay)
                failed = True
                self._stop.wait(delay)
                delay = min(delay * 2, self.BACKOFF_S[1])
                continue
            if failed:
                self._reconnects += 1
            self.is_open = True
            try:
                self._receive(bus, source)
                return  # stopped
            except Exception as exc:  # the adapter went away under us
                failed, delay = True, self.BACKOFF_S[0]
                self._fail(bus, f"{self.describe} failed: {exc}", delay)
                self._stop.wait(delay)
            finally:
                self.is_open = False
                try:
                    source.shutdown()
                except Exception:
                    log.exception("closing %s", self.describe)

    def _fail(self, bus: DataBus, text: str, retry_s: float) -> None:
        self._bus_errors += 1
        self.decoder.note_problem(text)
        log.warning("%s; retrying in %s s", text, _seconds(retry_s))
        bus.report_problem(None, f"{text}; retrying in {_seconds(retry_s)} s")

    def _receive(self, bus: DataBus, source: FrameSource) -> None:
        last_rx = last_battery = time.monotonic()
        last_ts: Optional[float] = None
        reported: Optional[int] = None
        pending_since: Optional[float] = None  # first frame not yet published
        while not self._stop.is_set():
            try:
                msg = source.recv(timeout=self.QUIET_S)
            except Exception:
                if pending_since is not None:  # what arrived before the failure is still true
                    self._publish(bus)
                raise
            now = time.monotonic()
            if msg is not None:
                last_rx = now
                # A gap in the frames' own timestamps ends a burst too: a replay at 60x
                # shows every recorded second, not only what a wall-clock pause catches;
                # a jump back (a looping replay starting over) ends the last one.
                if pending_since is not None and last_ts is not None \
                        and abs(msg.timestamp - last_ts) >= self.QUIET_S:
                    self._publish(bus)
                    pending_since = None
                last_ts = msg.timestamp
                self._record(msg)
                if self.decoder.feed(msg):
                    last_battery, reported = now, None
                    if pending_since is None:
                        pending_since = now
            if pending_since is not None and (msg is None
                                              or now - pending_since >= self.MAX_HOLD_S):
                self._publish(bus)
                pending_since = None
            # Measured from the battery's last frame: an inverter's keep-alive or another
            # device's traffic must not hide that the battery has gone quiet.
            silent = now - last_battery
            if silent >= self.silence_s and reported != int(silent):
                reported = int(silent)
                what = "no frames" if now - last_rx >= self.silence_s else "no battery frames"
                status = getattr(source, "status", "")
                bus.report_problem(None, f"{what} for {_seconds(silent)} s"
                                   + (f"; {status}" if status else ""))

    def _publish(self, bus: DataBus) -> None:
        snapshot = self.decoder.snapshot()
        if snapshot is not None:
            bus.publish_system(snapshot)
            self._published += 1

    def _record(self, msg: can.Message) -> None:
        with self._listener_lock:
            listener = self._listener
            if listener is None:
                return
            try:
                listener.on_message_received(msg)
            except Exception as exc:  # disk full, stick pulled: stop recording, keep showing
                log.exception("recording stopped")
                self.decoder.note_problem(f"recording stopped: {exc}")
                self._listener = None
                try:
                    listener.stop()
                except Exception:
                    pass  # already broken; what was written before stays readable
