"""The exception tree: one ``GouvConnectError`` subclass per stable code of the core.

The subclasses are generated from the core's list of codes (``ErrorCode::ALL``), so a code
added to the core appears here without editing Python. Catch ``GouvConnectError`` and read
``.code`` (the stable string, identical in Rust, Node and Java) and ``.status`` (the HTTP
status a host should answer with).
"""

from __future__ import annotations

from . import _native

__all__ = ["GouvConnectError", "ERROR_CLASSES", "error_class", "error_for", "http_status"]


class GouvConnectError(Exception):
    """An error of gouvconnect, with a stable ``code`` and the matching HTTP ``status``.

    The message is for developers and never contains a token, secret, code or state.
    ``provider_error`` holds ``(error, description)`` when the provider redirected with
    ``error=`` (code ``provider_error``).
    """

    code: str = "invalid_request"
    status: int = 400
    user_message: str = ""

    def __init__(
        self,
        code: str,
        message: str,
        provider_error: tuple[str, str | None] | None = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.status = _STATUS.get(code, 400)
        self.user_message = _USER_MESSAGES.get(code, "")
        self.provider_error = provider_error

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def _class_name(code: str) -> str:
    return "".join(part.capitalize() for part in code.split("_"))


_STATUS: dict[str, int] = {}
_USER_MESSAGES: dict[str, str] = {}
#: code → exception class.
ERROR_CLASSES: dict[str, type[GouvConnectError]] = {}

for _code, _status, _message in _native.error_codes():
    _STATUS[_code] = _status
    _USER_MESSAGES[_code] = _message
    _cls: type[GouvConnectError] = type(
        _class_name(_code),
        (GouvConnectError,),
        {
            "__module__": "gouvconnect.errors",
            "__doc__": f"Error code ``{_code}``: {_message}",
            "code": _code,
            "status": _status,
            "user_message": _message,
        },
    )
    ERROR_CLASSES[_code] = _cls
    globals()[_cls.__name__] = _cls
    __all__.append(_cls.__name__)


def error_class(code: str) -> type[GouvConnectError]:
    """The exception class of a stable code (``GouvConnectError`` itself for an unknown code)."""
    return ERROR_CLASSES.get(code, GouvConnectError)


def http_status(code: str) -> int:
    """The HTTP status of a stable code (400 when unknown)."""
    return _STATUS.get(code, 400)


def error_for(
    code: str, message: str, provider_error: tuple[str, str | None] | None = None
) -> GouvConnectError:
    """The exception instance for a code (the native module raises what this returns)."""
    return error_class(code)(code, message, provider_error)


if hasattr(_native, "_set_error_factory"):
    _native._set_error_factory(error_for)
