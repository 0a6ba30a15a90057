"""LocalFileResponse: the bytes of a span of a local file in bounded pieces, the whole file by pathsend where the
server offers it, and no more reading once the client has gone."""
from __future__ import annotations

import asyncio

import pytest

from app import streaming
from app.streaming import LocalFileResponse

DATA = bytes(range(256)) * 8000  # 2,048,000 bytes: 16 pieces


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "package.zip"
    file.write_bytes(DATA)
    return str(file)


async def send_all(response: LocalFileResponse, extensions: dict | None = None,
                   disconnect_after: int | None = None) -> list[dict]:
    sent: list[dict] = []
    gone = asyncio.Event()

    async def receive() -> dict:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
        if disconnect_after is not None and len(sent) > disconnect_after:
            gone.set()
            await asyncio.sleep(0)  # let the disconnect be noticed, as a real server's send yields

    await response({"type": "http", "extensions": extensions or {}}, receive, send)
    return sent


async def test_a_span_is_sent_in_bounded_pieces(path):
    sent = await send_all(LocalFileResponse(path, 1000, 400_999, 206, {}, "application/zip"))
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    assert sent[0]["status"] == 206
    assert b"".join(m["body"] for m in bodies) == DATA[1000:401_000]
    assert max(len(m["body"]) for m in bodies) <= streaming.PIECE and not bodies[-1]["more_body"]


async def test_the_whole_file_goes_by_pathsend_when_the_server_offers_it(path):
    sent = await send_all(LocalFileResponse(path, 0, len(DATA) - 1, 200, {}, "application/zip"),
                          extensions={"http.response.pathsend": {}})
    assert sent[1] == {"type": "http.response.pathsend", "path": path}


async def test_reading_stops_when_the_client_goes_away(path):
    sent = await send_all(LocalFileResponse(path, 0, len(DATA) - 1, 200, {}, "application/zip"), disconnect_after=2)
    assert len(sent) < len(DATA) // streaming.PIECE


async def test_an_empty_file_ends_the_response(tmp_path):
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    sent = await send_all(LocalFileResponse(str(empty), 0, -1, 200, {}, "application/zip"))
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
