"""The gateway's HTTP plane: webhooks, OpenAI-compatible endpoints, session history.

Credentials travel only in the ``Authorization: Bearer`` header, never in a URL, and are
never logged. Every error status maps to a typed error from ``errors.py``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Coroutine, Mapping, Sequence
from email.utils import parsedate_to_datetime
import json
import logging
import math
import time
from typing import Any, Literal, overload
from urllib.parse import quote

import aiohttp
from yarl import URL

from .errors import (
    CannotConnectError,
    ConnectionClosedError,
    HooksDisabledError,
    HttpAuthError,
    HttpError,
    HttpRateLimitedError,
    NotFoundError,
    ProtocolError,
    RequestTimeoutError,
    SetupCodeError,
)
from .history import MAX_HISTORY_LIMIT, HistoryMessageEvent, HistoryPage, HistoryStreamEvent
from .setup_code import http_base_url
from .sse import SSEEvent, iter_sse_response

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
# A non-streamed completion waits for a whole agent run.
DEFAULT_RUN_TIMEOUT = 600.0
DEFAULT_CONNECT_TIMEOUT = 30.0
# Streams may be silent while the agent thinks; the history stream sends a keepalive every 15 s.
DEFAULT_STREAM_IDLE_TIMEOUT = 300.0
DEFAULT_HISTORY_IDLE_TIMEOUT = 60.0
DEFAULT_MODEL = "openclaw/default"
_MAX_ERROR_TEXT = 500

_Kind = Literal["hooks", "history", "v1"]


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except (ValueError, RecursionError):
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        current = time.time() if now is None else now
        return max(0.0, when.timestamp() - current)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _error_text(body: bytes) -> tuple[str | None, str | None]:
    """``(message, type)`` from ``{error:{message,type}}``, ``{ok:false,error:"…"}`` or text."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        text = body.decode("utf-8", "replace").strip()
        return (text[:_MAX_ERROR_TEXT] or None), None
    if not isinstance(data, dict):
        return None, None
    error = data.get("error")
    if isinstance(error, str):
        return error[:_MAX_ERROR_TEXT], None
    if isinstance(error, dict):
        message = error.get("message")
        kind = error.get("type") or error.get("code")
        return (
            str(message)[:_MAX_ERROR_TEXT] if message else None,
            str(kind) if kind else None,
        )
    message = data.get("message")
    return (str(message)[:_MAX_ERROR_TEXT] if message else None), None


def _error_for(
    status: int, body: bytes, headers: Mapping[str, str], kind: _Kind, what: str
) -> Exception:
    message, error_type = _error_text(body)
    text = f"{what}: HTTP {status}" + (f": {message}" if message else "")
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if status in (401, 403):
        return HttpAuthError(status, text, error_type=error_type)
    if status == 429:
        return HttpRateLimitedError(status, text, error_type=error_type, retry_after=retry_after)
    if status == 404 and kind == "hooks":
        return HooksDisabledError(
            status,
            f"{what}: webhooks are not enabled on the gateway (hooks.enabled, hooks.path)",
            error_type=error_type,
        )
    if status == 404 and kind == "history":
        return NotFoundError(text)
    if status == 404 and kind == "v1":
        return HttpError(
            status,
            f"{text} (is the endpoint enabled in gateway.http.endpoints?)",
            error_type=error_type,
        )
    return HttpError(status, text, error_type=error_type, retry_after=retry_after)


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as err:
        raise ProtocolError(f"{what}: the answer is not JSON") from err
    if not isinstance(data, dict):
        raise ProtocolError(f"{what}: the answer is not a JSON object")
    return data


def _sse_json(event: SSEEvent, what: str) -> Any:
    try:
        return json.loads(event.data)
    except (ValueError, RecursionError) as err:
        raise ProtocolError(f"{what}: a stream event is not JSON") from err


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def completion_text(completion: Mapping[str, Any]) -> str:
    """The assistant text of a non-streamed ``/v1/chat/completions`` answer."""
    choices = completion.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return ""
    message = choices[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else ""


def response_text(response: Mapping[str, Any]) -> str:
    """The output text of a non-streamed ``/v1/responses`` answer."""
    if isinstance(response.get("output_text"), str):
        return str(response["output_text"])
    parts: list[str] = []
    for item in response.get("output") or []:
        if not isinstance(item, dict):
            continue
        for part in item.get("content") or []:
            if isinstance(part, dict) and part.get("type") == "output_text":
                parts.append(str(part.get("text", "")))
    return "".join(parts)


class GatewayHttpClient:
    """HTTP endpoints on the gateway port, over a caller-owned ``aiohttp.ClientSession``.

    ``base_url`` is ``http(s)://host:port[/prefix]`` or the gateway's ``ws(s)://`` URL.

    ``token`` (or ``password``) authenticates ``/v1/*`` and ``/sessions/*``; ``hooks_token``
    authenticates ``/hooks/*`` (a separate secret in the gateway config).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        token: str | None,
        password: str | None = None,
        hooks_token: str | None = None,
        hooks_path: str = "/hooks",
    ) -> None:
        self._session = session
        try:
            # Accepts the gateway's ws(s):// URL too; drops user info, query and fragment.
            self._base = http_base_url(base_url)
        except SetupCodeError as err:
            raise ValueError("not a gateway URL (http, https, ws or wss with a host)") from err
        self._bearer = token or password or None
        self._hooks_token = hooks_token or None
        self._hooks_path = "/" + hooks_path.strip("/")
        if self._hooks_path == "/":
            raise ValueError("hooks_path cannot be '/'")

    def __repr__(self) -> str:
        return f"GatewayHttpClient(base_url={self._base!r})"

    @property
    def base_url(self) -> str:
        return self._base

    @property
    def hooks_enabled(self) -> bool:
        """Whether a hooks token is configured (the gateway may still have hooks off)."""
        return self._hooks_token is not None

    # -- transport -------------------------------------------------------------------

    def _url(self, path: str, query: Mapping[str, str] | None = None) -> URL:
        url = URL(self._base + path, encoded=True)
        return url.update_query(query) if query else url

    async def _open(
        self,
        method: str,
        path: str,
        *,
        kind: _Kind,
        bearer: str | None,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        client_timeout: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        what = f"{method} {path}"
        all_headers: dict[str, str] = {"Accept": "application/json"}
        if bearer:
            all_headers["Authorization"] = f"Bearer {bearer}"
        all_headers.update(headers or {})
        try:
            response = await self._session.request(
                method,
                self._url(path, query),
                json=body,
                headers=all_headers,
                timeout=client_timeout,
                allow_redirects=False,  # a redirect must not carry the bearer elsewhere
            )
        except TimeoutError as err:
            raise RequestTimeoutError(f"{what}: no answer in time") from err
        except aiohttp.ClientError as err:
            raise CannotConnectError(f"{what}: {type(err).__name__}: {err}") from err
        _LOGGER.debug("%s -> %s", what, response.status)
        if response.status < 400:
            return response
        try:
            error_body = await response.read()
        except (TimeoutError, aiohttp.ClientError):
            error_body = b""
        finally:
            response.release()
        raise _error_for(response.status, error_body, response.headers, kind, what)

    async def _json(
        self,
        method: str,
        path: str,
        *,
        kind: _Kind,
        bearer: str | None,
        request_timeout: float | None,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        what = f"{method} {path}"
        response = await self._open(
            method,
            path,
            kind=kind,
            bearer=bearer,
            body=body,
            query=query,
            headers=headers,
            client_timeout=aiohttp.ClientTimeout(total=request_timeout),
        )
        try:
            raw = await response.read()
        except TimeoutError as err:
            raise RequestTimeoutError(f"{what}: no answer in time") from err
        except aiohttp.ClientError as err:
            raise ConnectionClosedError(f"{what}: the answer was cut off") from err
        finally:
            response.release()
        return _json_object(raw, what)

    async def _events(
        self,
        method: str,
        path: str,
        *,
        kind: _Kind,
        idle_timeout: float | None,
        body: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncGenerator[SSEEvent, None]:
        what = f"{method} {path}"
        response = await self._open(
            method,
            path,
            kind=kind,
            bearer=self._bearer,
            body=body,
            query=query,
            headers={**(headers or {}), "Accept": "text/event-stream"},
            client_timeout=aiohttp.ClientTimeout(
                total=None,
                sock_connect=DEFAULT_CONNECT_TIMEOUT,
                sock_read=idle_timeout,
            ),
        )
        try:
            content_type = response.headers.get("Content-Type", "")
            if not content_type.startswith("text/event-stream"):
                raise ProtocolError(f"{what}: expected an event stream, got {content_type!r}")
            async for event in iter_sse_response(response):
                yield event
        except TimeoutError as err:
            raise RequestTimeoutError(f"{what}: the stream went silent") from err
        except aiohttp.ClientError as err:
            raise ConnectionClosedError(f"{what}: the stream was cut off") from err
        finally:
            response.release()

    # -- webhooks --------------------------------------------------------------------

    def _hooks_bearer(self, what: str) -> str:
        if self._hooks_token is None:
            raise HooksDisabledError(0, f"{what}: no hooks token is configured")
        return self._hooks_token

    async def wake(
        self,
        text: str,
        mode: Literal["now", "next-heartbeat"] = "now",
        agent_id: str | None = None,
        session_key: str | None = None,
        *,
        request_timeout: float | None = DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        """Queue a system event and wake the agent (``POST /hooks/wake``)."""
        path = f"{self._hooks_path}/wake"
        return await self._json(
            "POST",
            path,
            kind="hooks",
            bearer=self._hooks_bearer(f"POST {path}"),
            request_timeout=request_timeout,
            body=_drop_none(
                {"text": text, "mode": mode, "agentId": agent_id, "sessionKey": session_key}
            ),
        )

    async def run_agent(
        self,
        message: str,
        *,
        name: str | None = None,
        agent_id: str | None = None,
        session_key: str | None = None,
        idempotency_key: str | None = None,
        deliver: bool | None = None,
        thinking: str | None = None,
        timeout_seconds: int | None = None,
        model: str | None = None,
        wake_mode: Literal["now", "next-heartbeat"] | None = None,
        request_timeout: float | None = DEFAULT_TIMEOUT,
    ) -> str:
        """Start an isolated agent run (``POST /hooks/agent``); returns its ``runId``."""
        path = f"{self._hooks_path}/agent"
        data = await self._json(
            "POST",
            path,
            kind="hooks",
            bearer=self._hooks_bearer(f"POST {path}"),
            request_timeout=request_timeout,
            body=_drop_none(
                {
                    "message": message,
                    "name": name,
                    "agentId": agent_id,
                    "sessionKey": session_key,
                    "idempotencyKey": idempotency_key,
                    "deliver": deliver,
                    "thinking": thinking,
                    "timeoutSeconds": timeout_seconds,
                    "model": model,
                    "wakeMode": wake_mode,
                }
            ),
        )
        run_id = data.get("runId")
        if not isinstance(run_id, str) or not run_id:
            raise ProtocolError(f"POST {path}: the answer has no runId")
        return run_id

    # -- OpenAI-compatible endpoints -------------------------------------------------

    @staticmethod
    def _agent_headers(session_key: str | None, agent_id: str | None) -> dict[str, str]:
        return _drop_none({"x-openclaw-session-key": session_key, "x-openclaw-agent-id": agent_id})

    @overload
    def chat_completions(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str = ...,
        *,
        stream: Literal[False],
        user: str | None = ...,
        session_key: str | None = ...,
        agent_id: str | None = ...,
        request_timeout: float | None = ...,
        idle_timeout: float | None = ...,
    ) -> Coroutine[Any, Any, dict[str, Any]]: ...

    @overload
    def chat_completions(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str = ...,
        *,
        stream: Literal[True],
        user: str | None = ...,
        session_key: str | None = ...,
        agent_id: str | None = ...,
        request_timeout: float | None = ...,
        idle_timeout: float | None = ...,
    ) -> AsyncGenerator[str, None]: ...

    def chat_completions(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str = DEFAULT_MODEL,
        *,
        stream: bool,
        user: str | None = None,
        session_key: str | None = None,
        agent_id: str | None = None,
        request_timeout: float | None = DEFAULT_RUN_TIMEOUT,
        idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> Coroutine[Any, Any, dict[str, Any]] | AsyncGenerator[str, None]:
        """``POST /v1/chat/completions``.

        ``stream=False``: ``await`` it for the completion dict (see ``completion_text``).
        ``stream=True``: ``async for`` over the text deltas; nothing is sent until iterated.
        ``request_timeout`` bounds a whole non-streamed call, ``idle_timeout`` the longest
        silence in a stream (``None``: no limit).
        """
        body = _drop_none(
            {
                "model": model,
                "messages": [dict(m) for m in messages],
                "stream": stream,
                "user": user,
            }
        )
        headers = self._agent_headers(session_key, agent_id)
        if stream:
            return self._stream_chat_completions(
                body,
                headers,
                idle_timeout,
            )
        return self._json(
            "POST",
            "/v1/chat/completions",
            kind="v1",
            bearer=self._bearer,
            request_timeout=request_timeout,
            body=body,
            headers=headers,
        )

    async def iter_chat_completion_chunks(
        self,
        messages: Sequence[Mapping[str, Any]],
        model: str = DEFAULT_MODEL,
        *,
        user: str | None = None,
        session_key: str | None = None,
        agent_id: str | None = None,
        idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """The raw ``chat.completion.chunk`` objects of a streamed completion, up to ``[DONE]``."""
        body = _drop_none(
            {
                "model": model,
                "messages": [dict(m) for m in messages],
                "stream": True,
                "user": user,
            }
        )
        async for chunk in self._chat_chunks(
            body, self._agent_headers(session_key, agent_id), idle_timeout
        ):
            yield chunk

    async def _chat_chunks(
        self, body: dict[str, Any], headers: dict[str, str], idle_timeout: float | None
    ) -> AsyncGenerator[dict[str, Any], None]:
        what = "POST /v1/chat/completions"
        async for event in self._events(
            "POST",
            "/v1/chat/completions",
            kind="v1",
            idle_timeout=idle_timeout,
            body=body,
            headers=headers,
        ):
            if event.data.strip() == "[DONE]":
                return
            chunk = _sse_json(event, what)
            if not isinstance(chunk, dict):
                raise ProtocolError(f"{what}: a stream chunk is not an object")
            error = chunk.get("error")
            if error is not None:
                message, error_type = _error_text(json.dumps(chunk).encode())
                raise HttpError(200, f"{what}: {message or 'stream error'}", error_type=error_type)
            yield chunk
        raise ConnectionClosedError(f"{what}: the stream ended before [DONE]")

    async def _stream_chat_completions(
        self, body: dict[str, Any], headers: dict[str, str], idle_timeout: float | None
    ) -> AsyncGenerator[str, None]:
        async for chunk in self._chat_chunks(body, headers, idle_timeout):
            for choice in chunk.get("choices") or []:
                if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta")
                content = delta.get("content") if isinstance(delta, dict) else None
                if isinstance(content, str) and content:
                    yield content

    @overload
    def responses(
        self,
        input: str | Sequence[Mapping[str, Any]],
        *,
        stream: Literal[False],
        model: str = ...,
        instructions: str | None = ...,
        user: str | None = ...,
        previous_response_id: str | None = ...,
        session_key: str | None = ...,
        agent_id: str | None = ...,
        request_timeout: float | None = ...,
        idle_timeout: float | None = ...,
    ) -> Coroutine[Any, Any, dict[str, Any]]: ...

    @overload
    def responses(
        self,
        input: str | Sequence[Mapping[str, Any]],
        *,
        stream: Literal[True],
        model: str = ...,
        instructions: str | None = ...,
        user: str | None = ...,
        previous_response_id: str | None = ...,
        session_key: str | None = ...,
        agent_id: str | None = ...,
        request_timeout: float | None = ...,
        idle_timeout: float | None = ...,
    ) -> AsyncGenerator[str, None]: ...

    def responses(
        self,
        input: str | Sequence[Mapping[str, Any]],
        *,
        stream: bool,
        model: str = DEFAULT_MODEL,
        instructions: str | None = None,
        user: str | None = None,
        previous_response_id: str | None = None,
        session_key: str | None = None,
        agent_id: str | None = None,
        request_timeout: float | None = DEFAULT_RUN_TIMEOUT,
        idle_timeout: float | None = DEFAULT_STREAM_IDLE_TIMEOUT,
    ) -> Coroutine[Any, Any, dict[str, Any]] | AsyncGenerator[str, None]:
        """``POST /v1/responses`` (OpenResponses).

        ``stream=False``: ``await`` it for the response dict (see ``response_text``); a
        ``failed`` response raises ``HttpError``. ``stream=True``: ``async for`` over the
        ``response.output_text.delta`` texts until ``response.completed``.
        """
        body = _drop_none(
            {
                "model": model,
                "input": input if isinstance(input, str) else [dict(i) for i in input],
                "stream": stream,
                "instructions": instructions,
                "user": user,
                "previous_response_id": previous_response_id,
            }
        )
        headers = self._agent_headers(session_key, agent_id)
        if stream:
            return self._stream_responses(
                body,
                headers,
                idle_timeout,
            )
        return self._response(body, headers, request_timeout)

    async def _response(
        self, body: dict[str, Any], headers: dict[str, str], request_timeout: float | None
    ) -> dict[str, Any]:
        data = await self._json(
            "POST",
            "/v1/responses",
            kind="v1",
            bearer=self._bearer,
            request_timeout=request_timeout,
            body=body,
            headers=headers,
        )
        if data.get("status") == "failed":
            raise _failed_response("POST /v1/responses", data)
        return data

    async def _stream_responses(
        self, body: dict[str, Any], headers: dict[str, str], idle_timeout: float | None
    ) -> AsyncGenerator[str, None]:
        what = "POST /v1/responses"
        async for event in self._events(
            "POST",
            "/v1/responses",
            kind="v1",
            idle_timeout=idle_timeout,
            body=body,
            headers=headers,
        ):
            if event.data.strip() == "[DONE]":
                return
            data = _sse_json(event, what)
            if not isinstance(data, dict):
                raise ProtocolError(f"{what}: a stream event is not an object")
            kind = data.get("type") if isinstance(data.get("type"), str) else event.event
            if kind == "response.output_text.delta":
                delta = data.get("delta")
                if isinstance(delta, str) and delta:
                    yield delta
            elif kind == "response.completed":
                return
            elif kind == "response.failed":
                response = data.get("response")
                raise _failed_response(what, response if isinstance(response, dict) else data)
            elif kind == "error":
                raise _failed_response(what, data)
        raise ConnectionClosedError(f"{what}: the stream ended before response.completed")

    # -- session history ---------------------------------------------------------------

    def _history_path(self, key: str) -> str:
        if not key:
            raise ValueError("session key is empty")
        return f"/sessions/{quote(key, safe='')}/history"

    @staticmethod
    def _history_query(limit: int | None, cursor: str | int | None) -> dict[str, str]:
        query: dict[str, str] = {}
        if limit is not None:
            if isinstance(limit, bool) or not 1 <= limit <= MAX_HISTORY_LIMIT:
                raise ValueError(f"limit must be 1..{MAX_HISTORY_LIMIT}")
            query["limit"] = str(limit)
        if cursor is not None:
            query["cursor"] = str(cursor)
        return query

    async def session_history(
        self,
        key: str,
        *,
        limit: int | None = None,
        cursor: str | int | None = None,
        request_timeout: float | None = DEFAULT_TIMEOUT,
    ) -> HistoryPage:
        """One page of a session's transcript (``GET /sessions/{key}/history``).

        Raises ``NotFoundError`` for an unknown session; ``ValueError`` for a bad ``limit``.
        """
        path = self._history_path(key)
        data = await self._json(
            "GET",
            path,
            kind="history",
            bearer=self._bearer,
            request_timeout=request_timeout,
            query=self._history_query(limit, cursor),
        )
        return HistoryPage.from_payload(data)

    async def iter_session_history(
        self, key: str, page_size: int = 200, *, request_timeout: float | None = DEFAULT_TIMEOUT
    ) -> AsyncGenerator[HistoryPage, None]:
        """Pages from the newest back to the first message; only one page is held at a time."""
        self._history_query(page_size, None)  # validate before the first request
        cursor: str | None = None
        while True:
            page = await self.session_history(
                key, limit=page_size, cursor=cursor, request_timeout=request_timeout
            )
            yield page
            if not page.has_more or page.next_cursor is None:
                return
            if page.next_cursor == cursor:
                raise ProtocolError("history paging did not advance (same cursor twice)")
            cursor = page.next_cursor

    async def stream_session_history(
        self,
        key: str,
        *,
        limit: int | None = None,
        cursor: str | int | None = None,
        idle_timeout: float | None = DEFAULT_HISTORY_IDLE_TIMEOUT,
    ) -> AsyncGenerator[HistoryStreamEvent, None]:
        """Follow a transcript over SSE: a ``HistoryPage`` snapshot first (and again whenever
        the gateway resends one), then a ``HistoryMessageEvent`` per appended message."""
        path = self._history_path(key)
        async for event in self._events(
            "GET",
            path,
            kind="history",
            idle_timeout=idle_timeout,
            query=self._history_query(limit, cursor),
        ):
            if event.event == "history":
                yield HistoryPage.from_payload(_sse_json(event, f"GET {path}"))
            elif event.event == "message":
                yield HistoryMessageEvent.from_payload(_sse_json(event, f"GET {path}"))


def _failed_response(what: str, data: Mapping[str, Any]) -> HttpError:
    error = data.get("error")
    message: str | None = None
    error_type: str | None = None
    if isinstance(error, dict):
        message = str(error.get("message") or "") or None
        raw_type = error.get("type") or error.get("code")
        error_type = str(raw_type) if raw_type else None
    elif isinstance(error, str):
        message = error
    return HttpError(200, f"{what}: {message or 'the response failed'}", error_type=error_type)
