"""Message content parts of the SDK's LLM messages: `TextContent` and `ImageContent`."""

from __future__ import annotations

import msgspec


# NOTE: both are `extra="forbid"` in SDK 1.58.2 (TextContent additionalProperties false); the
# `type` field is the discriminator and is always emitted. It is msgspec's tag, so that
# `list[TextContent | ImageContent]` (observation and message content) can be decoded; msgspec
# emits the tag first, where the reference emits `cache_prompt` first.
class TextContent(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="type", tag="text"
):
    cache_prompt: bool = False
    text: str


class ImageContent(msgspec.Struct, kw_only=True, tag_field="type", tag="image"):
    cache_prompt: bool = False
    image_urls: list[str]


Content = TextContent | ImageContent


def text_of(parts: list[Content]) -> str:
    """The text of a content list, parts joined by newlines; images are left out."""
    return "\n".join(part.text for part in parts if isinstance(part, TextContent))
