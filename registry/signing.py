"""Signed download links for stores that cannot presign: an HMAC-SHA256 over artifact id, part, downloader and
expiry.

Like an S3 presigned GET, a link carries its own authorisation (`user`, `expires` and `signature` query
parameters), so it can be handed to a browser, curl or a download manager without the `X-Authorization` header,
and it dies on its own. Whoever holds a live link can download that one part of that one artifact until it
expires, as the user it was made for: the delivery runs that user's monitor check, history record and audit
entry, and refuses the link if the user is gone, lost the download permission or changed their password since.
The TTL (`Settings.presign_ttl_seconds`) keeps the window short.

The signed message is the JSON array `["download-v2", artifact_id, part, username, expires]`: JSON quoting keeps
the fields unambiguous whatever characters they hold, and the version tag keeps these signatures from ever
verifying as signatures of another kind of message (or of v1 links, which named no user) made with the same key.
Verification recomputes the HMAC and compares in constant time (`hmac.compare_digest`) before it looks at the
expiry, so a tampered link learns nothing.

The key (`signing_key`): `Settings.download_signing_key` when set (required in production with the embedded
store); otherwise a random key generated once per data directory and kept in a 0600 file there, so links survive
a restart of a development server but two data directories never share a key.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

from registry.errors import LinkExpired, LinkInvalid
from registry.settings import Settings

KEY_FILE = "download-signing.key"
MIN_KEY_BYTES = 32
_MESSAGE_TAG = "download-v2"
_SIGNATURE_CHARS = 43  # base64url of a 32-byte HMAC-SHA256, unpadded
_MESSAGE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)  # what is signed: one JSON array, escaped
_MAX_EXPIRES_DIGITS = 12  # epoch seconds for the next ~30000 years; longer is junk, not a timestamp


@dataclass(frozen=True)
class SignedLink:
    """The query parameters that authorise one download: append `query()` to the download URL."""

    artifact_id: str
    part: str
    username: str
    expires: int  # Unix seconds
    signature: str

    def query(self) -> str:
        """`part=…&user=…&expires=…&signature=…`, with `part` left out for the whole package (as `download_url`
        does)."""
        # What urlencode gives for these fields, without its per-field type checks (every REST read signs a link):
        # the signature is unpadded base64url and `expires` digits, neither of which quote_plus changes.
        part = "" if self.part == "full" else f"part={quote_plus(self.part)}&"
        return f"{part}user={quote_plus(self.username)}&expires={self.expires}&signature={self.signature}"


class LinkSigner:
    """Makes and checks signed download links. `clock` returns Unix seconds (tests pass their own)."""

    def __init__(self, key: bytes, ttl_seconds: int, clock: Callable[[], float] = time.time) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"the download signing key must be at least {MIN_KEY_BYTES} bytes")
        if ttl_seconds < 1:
            raise ValueError("signed links need a positive lifetime")
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)  # the key's schedule, computed once; copied per link
        self._ttl = ttl_seconds
        self._clock = clock

    @property
    def ttl_seconds(self) -> int:
        return self._ttl

    def sign(self, artifact_id: str, part: str, username: str) -> SignedLink:
        """A link for `username` to download `part` of `artifact_id`, valid for the configured TTL from now."""
        expires = int(self._clock()) + self._ttl
        return SignedLink(artifact_id, part, username, expires, self._signature(artifact_id, part, username, expires))

    def verify(self, artifact_id: str, part: str, username: str | None, expires: str | int | None,
               signature: str | None) -> int:
        """The link's expiry (Unix seconds) if it is genuine and live; raise LinkInvalid (403) if it was altered,
        made with another key or is missing a field, LinkExpired (403) if it is genuine but past its expiry."""
        if username is None or expires is None or signature is None:
            raise LinkInvalid("this download link is not signed: request a new link")
        when = _expiry(expires)
        expected = self._signature(artifact_id, part, username, when)
        if len(signature) != _SIGNATURE_CHARS or not hmac.compare_digest(expected.encode(), signature.encode()):
            raise LinkInvalid("this download link's signature does not match: it was altered or is not ours")
        if when <= self._clock():
            raise LinkExpired("this download link has expired: request a new one")
        return when

    def _signature(self, artifact_id: str, part: str, username: str, expires: int) -> str:
        message = _MESSAGE.encode([_MESSAGE_TAG, artifact_id, part, username, expires])
        # A copy of the keyed state: no digest lookup by name and no key schedule per link (`hmac.digest(key, ...,
        # "sha256")` did both; under load it was 8.7 % of a REST read's busy samples).
        mac = self._keyed.copy()
        mac.update(message.encode())
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def signer_for(settings: Settings) -> LinkSigner:
    """The signer this deployment uses: its key (see `signing_key`) and `presign_ttl_seconds`."""
    return LinkSigner(signing_key(settings), settings.presign_ttl_seconds)


def deployment_signer(settings: Settings) -> LinkSigner | None:
    """The embedded store's signer; None on AWS unless a key is configured. S3 presigns its own links, and a Lambda
    has no data directory to keep a generated key in: there, download links are S3's presigned URLs (GraphQL) or
    this server's URL used with the token header (the REST envelope's `download_url`)."""
    if settings.backend == "local" or settings.download_signing_key is not None:
        return signer_for(settings)
    return None


def signing_key(settings: Settings) -> bytes:
    """The configured key, else this data directory's own key file (created, 0600, on first use)."""
    if settings.download_signing_key is not None:
        return settings.download_signing_key.get_secret_value().encode()
    return _key_file(Path(settings.data_dir) / KEY_FILE)


def _key_file(path: Path) -> bytes:
    """Read the key file, or create it: the key is written whole to a private temporary file first and then
    hard-linked into place, which fails if the name exists, so two processes starting at once agree on one key
    and nobody ever reads a half-written one. A file others can read or write is refused: its reader can mint
    links."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        descriptor, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")  # mode 0600
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(MIN_KEY_BYTES))
            with contextlib.suppress(FileExistsError):
                os.link(staged, path)
        finally:
            os.unlink(staged)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ValueError(f"{path} is readable or writable by other users (mode {mode:o}); it must be 0600")
    key = path.read_text().strip().encode()
    if len(key) < MIN_KEY_BYTES:  # a half-written file from a crash: refuse rather than sign with a short key
        raise ValueError(f"{path} holds no usable key; delete it to generate a new one")
    return key


def _expiry(expires: str | int) -> int:
    if isinstance(expires, int):
        return expires
    if not (expires.isascii() and expires.isdigit()) or len(expires) > _MAX_EXPIRES_DIGITS:
        raise LinkInvalid("this download link's expiry is not a timestamp")
    return int(expires)
