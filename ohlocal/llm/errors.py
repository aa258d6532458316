"""LLM errors, named and classified as the reference's `ConversationErrorEvent` codes are."""

from __future__ import annotations

import msgspec


class Classification(msgspec.Struct, kw_only=True, frozen=True):
    """`classification` of error events: what kind of failure, and what the user can do."""

    kind: str
    retryable: bool
    user_action: str


TRANSIENT = Classification(kind="transient", retryable=True, user_action="retry")
CONFIG = Classification(kind="config", retryable=False, user_action="settings")
BUDGET = Classification(kind="budget", retryable=False, user_action="settings")
CONTEXT = Classification(kind="context", retryable=False, user_action="none")


class LLMError(Exception):
    """Base of provider failures. `code` is the class name, as the reference reports it."""

    classification = TRANSIENT
    retryable_by_provider = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @property
    def code(self) -> str:
        return type(self).__name__

    @property
    def detail(self) -> str:
        # NOTE: the reference goes through litellm, whose messages read
        # "litellm.<Kind>: OpenAIException - <provider message>"; clients show this text.
        return f"litellm.{self.litellm_name}: OpenAIException - {self.message}"

    litellm_name = "APIError"


class LLMBadRequestError(LLMError):
    classification = CONFIG
    litellm_name = "BadRequestError"


class LLMAuthenticationError(LLMError):
    classification = CONFIG
    litellm_name = "AuthenticationError"


class LLMNotFoundError(LLMError):
    classification = CONFIG
    litellm_name = "NotFoundError"


class LLMContextWindowExceedError(LLMError):
    classification = CONTEXT
    litellm_name = "ContextWindowExceededError"


class LLMRateLimitError(LLMError):
    retryable_by_provider = True
    litellm_name = "RateLimitError"


class LLMServiceUnavailableError(LLMError):
    retryable_by_provider = True
    litellm_name = "ServiceUnavailableError"


class LLMTimeoutError(LLMError):
    retryable_by_provider = True
    litellm_name = "Timeout"


class LLMNoResponseError(LLMError):
    retryable_by_provider = True
    litellm_name = "APIError"


class LLMBudgetExceededError(LLMError):
    classification = BUDGET
    litellm_name = "BudgetExceededError"


_CONTEXT_HINTS = ("context length", "context_length", "maximum context", "too many tokens")


def error_for_status(status: int, message: str) -> LLMError:
    """The error an HTTP status (and its message) stands for."""
    if status == 400 and any(hint in message.lower() for hint in _CONTEXT_HINTS):
        return LLMContextWindowExceedError(message, status)
    kinds: dict[int, type[LLMError]] = {
        400: LLMBadRequestError,
        401: LLMAuthenticationError,
        403: LLMAuthenticationError,
        404: LLMNotFoundError,
        408: LLMTimeoutError,
        413: LLMContextWindowExceedError,
        422: LLMBadRequestError,
        429: LLMRateLimitError,
    }
    if status in kinds:
        return kinds[status](message, status)
    if status >= 500:
        return LLMServiceUnavailableError(message, status)
    return LLMBadRequestError(message, status)
