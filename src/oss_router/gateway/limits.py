"""ASGI middleware guarding request bodies before any parsing: size (413) and type (415).

Bodies under ``/v1/`` are JSON, except the OAuth2 token endpoint's (form-encoded, RFC 6749)
and the upload routes' (``multipart/form-data``, ``upload_limits``): those alone may be larger
than ``max_body_bytes``, up to their own bound (a file's limit and its multipart framing:
attachments/limits.py), and a body over it is refused naming ``file``.
"""

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oss_router.errors import FieldError, PayloadTooLarge, ProblemError, UnsupportedMediaType
from oss_router.gateway.problems import problem_response

_BODY_METHODS = {b"POST", b"PUT", b"PATCH"}
FORM = b"application/x-www-form-urlencoded"
FORM_PATHS = frozenset({"/v1/auth/token"})
MULTIPART = b"multipart/form-data"


class BodyGuard:
    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        json_prefix: str = "/v1/",
        form_paths: frozenset[str] = FORM_PATHS,
        upload_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.json_prefix = json_prefix
        self.form_paths = form_paths
        self.upload_limits = dict(upload_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"].encode() not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        path: str = scope["path"]
        problem = self._check_headers(path, headers)
        if problem is not None:
            await problem_response(problem)(scope, receive, send)
            return
        await self._guarded(scope, receive, send, path)

    def _limit(self, path: str) -> int:
        return self.upload_limits.get(path, self.max_body_bytes)

    def _check_headers(self, path: str, headers: dict[bytes, bytes]) -> ProblemError | None:
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self._limit(path)):
            return self._too_large(path)
        if path.startswith(self.json_prefix) and length != b"0":
            media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if path in self.upload_limits:
                if media != MULTIPART:
                    return UnsupportedMediaType(
                        "send the file as multipart/form-data",
                        errors=[_content_type_error(media, MULTIPART)],
                    )
            elif path in self.form_paths:
                if media != FORM:
                    return UnsupportedMediaType(
                        "send the body as application/x-www-form-urlencoded",
                        errors=[_content_type_error(media, FORM)],
                    )
            elif media != b"application/json" and not media.endswith(b"+json"):
                return UnsupportedMediaType(
                    "send the body as application/json",
                    errors=[_content_type_error(media)],
                )
        return None

    def _too_large(self, path: str) -> ProblemError:
        limit = self._limit(path)
        if path in self.upload_limits:
            return PayloadTooLarge(
                f"the upload exceeds {limit} bytes",
                errors=[FieldError("file", f"An upload may have at most {limit} bytes.")],
            )
        return PayloadTooLarge(f"the body exceeds {limit} bytes")

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        """Count streamed bytes; past the limit, replace whatever the app answers with a 413.

        The app sees the overflow as a failed read (FastAPI turns that into a 400), so the
        response is swapped here rather than relying on an exception reaching this middleware.
        """
        received = 0
        exceeded = False
        swapped = False
        limit = self._limit(path)

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLargeError
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal swapped
            if not exceeded:
                await send(message)
            elif not swapped:
                swapped = True
                await problem_response(self._too_large(path))(scope, receive, send)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLargeError:
            if not swapped:
                await problem_response(self._too_large(path))(scope, receive, send)


class _BodyTooLargeError(Exception):
    pass


def _content_type_error(media: bytes, expected: bytes = b"application/json") -> FieldError:
    shown = media.decode("latin-1") or "none"
    return FieldError("Content-Type", f"{shown} is not {expected.decode()}")
