"""Message content parts of the SDK's LLM messages: `TextContent` and `ImageContent`."""

from __future__ import annotations

from typing import Literal

import msgspec


# NOTE: both are `extra="forbid"` in SDK 1.58.2 (TextContent additionalProperties false); the
# `type` field is the discriminator and is always emitted.
class TextContent(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    cache_prompt: bool = False
    type: Literal["text"] = "text"
    text: str


class ImageContent(msgspec.Struct, kw_only=True):
    cache_prompt: bool = False
    type: Literal["image"] = "image"
    image_urls: list[str]


Content = TextContent | ImageContent


def text_of(parts: list[Content]) -> str:
    """The text of a content list, parts joined by newlines; images are left out."""
    return "\n".join(part.text for part in parts if isinstance(part, TextContent))
