"""Token budgets counted in memory, reserved from the store in blocks: a request spends a use without a write.

Each authenticated request spends one of its token's `token_max_uses` uses. Writing that use to the store on
every request made every request wait on the store's write lock (SQLite serialises writers: with a connection
per worker thread, py-spy showed most workers sleeping in SQLite's busy handler). Instead, a process reserves
*blocks* of uses from the store (`UserStore.reserve_token_uses`, atomic, never past the budget across processes)
and hands them out from memory, one per request, under a lock held for a few instructions.

- Never past the budget: a use is honoured only out of a block the store granted, and the store never grants
  more than `max_uses` in total for a token, whichever processes ask.
- Exact: in one process a token is honoured exactly `max_uses` times. A block's unspent uses go back to the store
  when the process lets the block go (idle for `idle_seconds`, or at shutdown), so other processes can spend
  them; a process that dies without giving a block back ends that token early (never late).
- Off the request path: the first use of a token in a process reserves one use synchronously (as the single
  UPDATE did before); later blocks are fetched ahead, by one writer thread, when a block runs low. Block sizes
  shrink as the budget runs out (a sixteenth of what is left, at most `block`), so near the end of a token's life
  processes hold few spare uses and every process sees the same end.
- `block = 1` is one store write per use: what the AWS backend uses, where Lambda freezes a process between
  invocations and could not give back a block it holds (DynamoDB's conditional UpdateItem takes no lock anyone
  waits on).
"""
from __future__ import annotations

import atexit
import queue
import threading
import time
from dataclasses import dataclass

from registry.model import Token
from registry.ports import TokenGrant, UserStore

_SHARE = 16  # a block is at most this fraction of what is left of the budget


class NotHeld(Exception):
    """`use(wait=False)` found no use of the token held in memory: spending one needs a store write."""


@dataclass
class _Lease:
    """Uses of one token this process holds: `left` unspent of the blocks the store granted."""

    token: Token
    left: int
    last_used: float
    refilling: bool = False


class TokenLedger:
    """Spends token uses from blocks reserved in the store. Thread-safe; one per process and store."""

    def __init__(self, store: UserStore, max_uses: int, block: int = 64, idle_seconds: float = 10.0) -> None:
        self._store = store
        self._max_uses = max_uses
        self._block = max(1, block)
        self._idle_seconds = idle_seconds
        self._leases: dict[str, _Lease] = {}
        self._changed = threading.Condition()
        self._requests: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None

    def use(self, token_hash: str, wait: bool = True) -> Token | None:
        """Spend one use of the token: the token (with `uses` as reserved in the store), or None when it is
        unknown or used up. With `wait=False`, raise NotHeld rather than wait for the store."""
        with self._changed:
            while True:
                lease = self._leases.get(token_hash)
                if lease is not None and lease.left > 0:
                    lease.left -= 1
                    lease.last_used = time.monotonic()
                    self._refill_if_low(token_hash, lease)
                    return lease.token
                if not wait:
                    raise NotHeld(token_hash)
                if lease is None or not lease.refilling:
                    break
                self._changed.wait()  # the writer is fetching the next block: cheaper than a write of our own
            wanted = 1 if lease is None else self._wanted(lease.token)
            if lease is not None:
                lease.refilling = True  # the others wait for this reservation rather than make their own
        grant: TokenGrant | None = None
        try:
            grant = self._store.reserve_token_uses(token_hash, self._max_uses, wanted)
        finally:
            with self._changed:
                lease = self._leases.get(token_hash)
                if lease is not None:
                    lease.refilling = False
                    self._changed.notify_all()
                if grant is not None:
                    if lease is None:
                        lease = self._leases[token_hash] = _Lease(grant.token, 0, time.monotonic())
                    lease.token, lease.left = grant.token, lease.left + grant.granted - 1
                    self._refill_if_low(token_hash, lease)
        return None if grant is None else grant.token

    def close(self) -> None:
        """Stop the writer and give every unspent use back to the store."""
        writer, self._writer = self._writer, None
        if writer is not None:
            self._requests.put(None)
            writer.join(timeout=10)
        with self._changed:
            leases, self._leases = self._leases, {}
        try:
            for token_hash, lease in leases.items():
                if lease.left:
                    self._store.release_token_uses(token_hash, lease.left)
        except Exception:  # the store is gone (shutdown): those uses are lost, the tokens end early, never late
            return

    # internals -------------------------------------------------------------------------------------------------
    def _wanted(self, token: Token) -> int:
        return max(1, min(self._block, (self._max_uses - token.uses) // _SHARE))

    def _refill_if_low(self, token_hash: str, lease: _Lease) -> None:
        """Ask the writer for the next block when no more than one block is left (under the lock): a block of
        margin covers the writer waiting for the GIL (up to 5 ms) under load."""
        wanted = self._wanted(lease.token)
        if self._block == 1 or lease.refilling or lease.left > wanted or lease.token.uses >= self._max_uses:
            return
        lease.refilling = True
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, name="token-ledger", daemon=True)
            self._writer.start()
            atexit.register(self.close)
        self._requests.put(token_hash)

    def _write(self) -> None:
        """The one thread that reserves blocks ahead of need and gives back the blocks of idle tokens."""
        while True:
            try:
                token_hash = self._requests.get(timeout=max(self._idle_seconds / 2, 0.01))
            except queue.Empty:
                try:
                    self._release_idle()
                except Exception:  # the store is down: those uses are lost (the tokens end early, never late)
                    pass
                continue
            if token_hash is None:
                return
            try:
                self._reserve_ahead(token_hash)
            except Exception:  # the store is down: the next request that finds the lease empty reports it
                continue

    def _reserve_ahead(self, token_hash: str) -> None:
        with self._changed:
            lease = self._leases.get(token_hash)
            wanted = self._wanted(lease.token) if lease is not None else 0
        grant: TokenGrant | None = None
        try:
            grant = self._store.reserve_token_uses(token_hash, self._max_uses, wanted) if wanted else None
        finally:
            with self._changed:
                lease = self._leases.get(token_hash)
                if lease is not None:
                    lease.refilling = False
                    if grant is not None:
                        lease.token, lease.left = grant.token, lease.left + grant.granted
                    self._changed.notify_all()
        if grant is not None and lease is None:  # let go meanwhile: nothing in this process will spend it
            self._store.release_token_uses(token_hash, grant.granted)

    def _release_idle(self) -> None:
        cutoff = time.monotonic() - self._idle_seconds
        with self._changed:
            idle = {h: lease for h, lease in self._leases.items() if lease.last_used < cutoff and not lease.refilling}
            for token_hash in idle:
                del self._leases[token_hash]
        for token_hash, lease in idle.items():
            if lease.left:
                self._store.release_token_uses(token_hash, lease.left)
