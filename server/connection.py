"""One connection seen from a room: its seat, its outgoing buffers and the
sender task that drains them (a latest-state slot plus a bounded control
queue), so a slow client never slows the tick or the others. A transport is
anything with async `send(bytes)` and `close(code, reason)`."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("room")

PERSPECTIVE_SPECTATOR = "spectator"


class Transport(Protocol):
    async def send(self, data: bytes) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...


@dataclass(eq=False)
class Connection:
    """One connection seen from a room: its seat and its outgoing buffers."""

    transport: Transport
    player: int | None  # None: spectator
    lang: str = "en"
    control_limit: int = 256
    id: str = field(default_factory=lambda: secrets.token_hex(6))
    state_slot: bytes | None = None
    state_slot_tick: int = -1
    last_state_tick: int = -1  # tick of the last state/delta actually sent
    force_full: bool = True
    control: deque[bytes] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    sent_bytes: int = 0
    sent_states: int = 0
    skipped_states: int = 0
    sender: asyncio.Task[None] | None = None

    @property
    def perspective(self) -> int | str:
        return PERSPECTIVE_SPECTATOR if self.player is None else self.player

    def push(self, data: bytes) -> None:
        """Queue a non-state message. A client whose queue overflows is too
        slow to keep: it is closed rather than allowed to grow memory."""
        if self.closed:
            return
        if len(self.control) >= self.control_limit:
            self.closed = True
            log.warning("client %s dropped: control queue full", self.id)
            asyncio.get_running_loop().create_task(self.transport.close(1008, "too slow"))
            self.wake.set()
            return
        self.control.append(data)
        self.wake.set()

    def offer_state(self, tick: int, full: Callable[[], bytes], delta: bytes | None) -> None:
        """Put the newest state in the slot. A delta is only valid on top of
        the state the client last received; anything else gets a full state."""
        if self.closed:
            return
        if self.state_slot is not None:
            self.skipped_states += 1  # the previous one was never sent: skip it
        if delta is not None and not self.force_full and self.state_slot is None and self.last_state_tick == tick - 1:
            self.state_slot = delta
        else:
            self.state_slot = full()
            self.force_full = False
        self.state_slot_tick = tick
        self.wake.set()

    async def run_sender(self) -> None:
        try:
            while not self.closed:
                await self.wake.wait()
                self.wake.clear()
                while self.control and not self.closed:
                    data = self.control.popleft()
                    await self.transport.send(data)
                    self.sent_bytes += len(data)
                if self.state_slot is not None and not self.closed:
                    data, tick = self.state_slot, self.state_slot_tick
                    self.state_slot = None
                    await self.transport.send(data)
                    self.last_state_tick = tick
                    self.sent_bytes += len(data)
                    self.sent_states += 1
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            self.closed = True
        except Exception:  # a transport failing in an unexpected way ends this client only
            log.exception("sender of client %s failed", self.id)
            self.closed = True
