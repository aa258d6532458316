"""A streaming multipart/form-data reader: hands one field's bytes to a sink chunk by chunk, so
an upload of any size moves in constant memory."""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable
from email.message import Message

from ohlocal.errors import InvalidInput

MAX_HEADER_BLOCK = 16 * 1024

Sink = Callable[[bytes], Awaitable[None]]


def boundary_of(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data content type; InvalidInput otherwise."""
    message = Message()
    message["content-type"] = content_type or ""
    boundary = message.get_param("boundary")
    if message.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise InvalidInput(("body", "file"), "Field required", "missing", None)
    return boundary.encode("latin-1")


def _field_name(headers: bytes) -> str | None:
    message = Message()
    for line in headers.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name:
            message[name.strip()] = value.strip()
    param = message.get_param("name", header="content-disposition")
    return param if isinstance(param, str) else None


class _Reader:
    def __init__(self, chunks: AsyncIterable[bytes]) -> None:
        self._chunks = aiter(chunks)
        self.buffer = bytearray()
        self.done = False

    async def more(self) -> bool:
        if self.done:
            return False
        try:
            self.buffer += await anext(self._chunks)
        except StopAsyncIteration:
            self.done = True
            return False
        return True

    async def until(self, marker: bytes, limit: int) -> bytes:
        """The bytes before `marker` (consumed with it)."""
        while (index := self.buffer.find(marker)) < 0:
            if len(self.buffer) > limit or not await self.more():
                raise InvalidInput(("body",), "Malformed multipart body", "value_error", None)
        head = bytes(self.buffer[:index])
        del self.buffer[: index + len(marker)]
        return head


async def read_field(chunks: AsyncIterable[bytes], boundary: bytes, field: str, sink: Sink) -> int:
    """Pass the content of form field `field` to `sink`; return its size in bytes.
    Other fields are read and dropped."""
    reader = _Reader(chunks)
    delimiter = b"\r\n--" + boundary
    await reader.until(b"--" + boundary, MAX_HEADER_BLOCK)
    found: int | None = None
    while True:
        while len(reader.buffer) < 2 and await reader.more():
            pass
        if reader.buffer[:2] == b"--":
            break
        headers = await reader.until(b"\r\n\r\n", MAX_HEADER_BLOCK)
        wanted = _field_name(headers.removeprefix(b"\r\n")) == field and found is None
        size = await _copy_part(reader, delimiter, sink if wanted else None)
        if wanted:
            found = size
    if found is None:
        raise InvalidInput(("body", field), "Field required", "missing", None)
    return found


async def _copy_part(reader: _Reader, delimiter: bytes, sink: Sink | None) -> int:
    """Move one part's content to `sink` (or drop it) up to the next delimiter."""
    size = 0
    keep = len(delimiter)
    while True:
        index = reader.buffer.find(delimiter)
        if index >= 0:
            piece = bytes(reader.buffer[:index])
            del reader.buffer[: index + len(delimiter)]
        else:
            piece = bytes(reader.buffer[:-keep]) if len(reader.buffer) > keep else b""
            del reader.buffer[: len(piece)]
        if piece:
            size += len(piece)
            if sink is not None:
                await sink(piece)
        if index >= 0:
            return size
        if not await reader.more():
            raise InvalidInput(("body",), "Malformed multipart body", "value_error", None)
