"""The response that sends a stored package: from the local file on the event loop when the blob store has one, else
streamed from the store's reader.

A download from the embedded store is read with `os.pread` on the event loop in 128 KiB pieces, each sent as soon
as it is read. Why not a worker thread per piece, as Starlette does with a sync iterator: each hop to a thread and
back costs far more than reading 128 KiB from the page cache, and chunks allocated in worker threads but freed on
the loop fragment the allocator's per-thread arenas (a burst of 100 downloads left the server at 400 MB). A read
that has to wait for the disk blocks the loop for that read, as nginx's workers do without thread pools.

Memory stays bounded: the transport pauses us while its buffer is over its high-water mark, so a connection holds
at most about one piece being sent and one in the buffer. uvicorn has no zero-copy (`pathsend`) extension to hand
the file to the kernel; a server that offers `http.response.pathsend` gets the whole file that way.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping

import anyio
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

PIECE = 128 * 1024


class LocalFileResponse(Response):
    """Bytes [start, end] (inclusive) of a local file. Stops reading when the client goes away."""

    def __init__(self, path: str, start: int, end: int, status_code: int, headers: Mapping[str, str],
                 media_type: str) -> None:
        super().__init__(status_code=status_code, headers=headers, media_type=media_type)
        self.path, self.start, self.end = path, start, end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        whole = self.start == 0 and self.end == os.stat(self.path).st_size - 1
        if whole and "http.response.pathsend" in scope.get("extensions", {}):
            await send({"type": "http.response.pathsend", "path": self.path})
            return
        async with anyio.create_task_group() as group:
            async def until_disconnected() -> None:
                while (await receive())["type"] != "http.disconnect":
                    continue
                group.cancel_scope.cancel()

            group.start_soon(until_disconnected)
            await self._send_pieces(send)
            group.cancel_scope.cancel()

    async def _send_pieces(self, send: Send) -> None:
        descriptor = os.open(self.path, os.O_RDONLY)
        try:
            position, remaining = self.start, self.end - self.start + 1
            if remaining <= 0:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            while remaining > 0:
                piece = os.pread(descriptor, min(PIECE, remaining), position)
                if not piece:  # the file shrank under us: fail the response rather than end it short
                    raise RuntimeError(f"{self.path} ended {remaining} bytes early")
                position, remaining = position + len(piece), remaining - len(piece)
                await send({"type": "http.response.body", "body": piece, "more_body": remaining > 0})
        finally:
            os.close(descriptor)


def package_response(path: str | None, open_pieces: Callable[[int, int], Iterator[bytes]], span: tuple[int, int],
                     status_code: int, headers: Mapping[str, str]) -> Response:
    """The bytes in `span` (inclusive) of a stored zip: from its local file when the store has one, else from the
    store's reader (`open_pieces(start, end)`) streamed."""
    if path is not None:
        return LocalFileResponse(path, *span, status_code=status_code, headers=headers, media_type="application/zip")
    return StreamingResponse(open_pieces(*span), status_code=status_code, headers=headers,
                             media_type="application/zip")
