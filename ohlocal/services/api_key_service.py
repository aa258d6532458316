"""API keys for `Authorization: Bearer`: created at random and shown once, stored as a salted
SHA-256 digest, checked in memory (synchronously, for the auth middleware)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from typing import TYPE_CHECKING

import anyio
import msgspec

from ohlocal.errors import ApiKeyNotFound
from ohlocal.ids import base62
from ohlocal.models.api_key import ApiKeyCreated, ApiKeyInfo
from ohlocal.models.conversation import utc_iso
from ohlocal.store.api_key_store import ApiKeyRecord

if TYPE_CHECKING:
    from ohlocal.store.api_key_store import ApiKeyStore

logger = logging.getLogger(__name__)

# A key reads `ohl_<key id>_<secret>`: the id finds the salt and digest without a scan.
KEY_PREFIX = "ohl_"
SECRET_LENGTH = 43
SALT_BYTES = 16
SHOWN_PREFIX_LENGTH = 12
# How often last-use times kept in memory are written to the database, in seconds.
LAST_USED_FLUSH_INTERVAL = 30.0


def _digest(salt: bytes, secret: str) -> bytes:
    return hashlib.sha256(salt + secret.encode()).digest()


def _info(record: ApiKeyRecord, last_used_at: str | None) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=record.id,
        name=record.name,
        prefix=record.prefix,
        created_at=record.created_at,
        last_used_at=last_used_at or record.last_used_at,
    )


class ApiKeyService:
    def __init__(self, store: ApiKeyStore) -> None:
        self._store = store
        # Key id to (salt, digest): what `verify` checks against.
        self._digests: dict[str, tuple[bytes, bytes]] = {}
        # Last-use times not yet written, and every last-use time seen since the start.
        self._unsaved: dict[str, str] = {}
        self._last_used: dict[str, str] = {}

    async def load(self) -> None:
        """Read every key's digest into memory; called once at start-up."""
        self._digests = {r.id: (r.salt, r.digest) for r in await self._store.all()}

    async def create_api_key(self, name: str) -> ApiKeyCreated:
        key_id = uuid.uuid4().hex
        key = f"{KEY_PREFIX}{key_id}_{base62(SECRET_LENGTH)}"
        salt = secrets.token_bytes(SALT_BYTES)
        record = ApiKeyRecord(
            id=key_id,
            name=name,
            salt=salt,
            digest=_digest(salt, key.rsplit("_", 1)[1]),
            prefix=key[:SHOWN_PREFIX_LENGTH],
            created_at=utc_iso(),
        )
        await self._store.insert(record)
        self._digests[key_id] = (record.salt, record.digest)
        logger.info("api key created key_id=%s", key_id)
        return ApiKeyCreated(**msgspec.structs.asdict(_info(record, None)), key=key)

    async def search_api_keys(self) -> list[ApiKeyInfo]:
        """Every key, oldest first; never the key itself."""
        return [_info(r, self._last_used.get(r.id)) for r in await self._store.all()]

    async def delete_api_key(self, key_id: str) -> None:
        """Revoke a key: it stops working at once."""
        self._digests.pop(key_id, None)
        if not await self._store.delete(key_id):
            raise ApiKeyNotFound(key_id)
        self._unsaved.pop(key_id, None)
        logger.info("api key deleted key_id=%s", key_id)

    def verify(self, key: str) -> bool:
        """True when `key` is a live API key; records its use. Never awaits."""
        if not key.startswith(KEY_PREFIX):
            return False
        key_id, _, secret = key[len(KEY_PREFIX) :].partition("_")
        found = self._digests.get(key_id)
        if found is None or not secret:
            return False
        if not hmac.compare_digest(_digest(found[0], secret), found[1]):
            return False
        self._last_used[key_id] = self._unsaved[key_id] = utc_iso()
        return True

    async def flush(self) -> None:
        """Write last-use times kept in memory."""
        used, self._unsaved = self._unsaved, {}
        await self._store.set_last_used(used)

    async def flush_forever(self, interval: float = LAST_USED_FLUSH_INTERVAL) -> None:
        while True:
            await anyio.sleep(interval)
            await self.flush()
