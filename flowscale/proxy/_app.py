"""`FlowscaleProxy`: the Flowscale API for browsers and apps, with the API key kept server-side.

Every request is matched against the spec's operations (`flowscale._spec_operations`),
authenticated by the hook, held to the policy, checked for ownership, and only then forwarded
to the upstream with the key added. Uploads stream up, counted as they pass (413 past the
limit, which cuts the upstream request before its body is complete: no run is created), and
event streams are relayed chunk by chunk. JSON replies are read whole, up to a bound
(`MAX_INSPECTED_REPLY`): the proxy reads them to keep users apart (a created run, a run, a
run list, the workflow list) and to make sure no reply carries the API key.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import re
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.requests import Request

from .._route_table import Match, Operation, RouteTable
from .._spec_operations import API_TABLE
from .._types import TERMINAL_STATUSES
from ._auth import Authenticate, AuthenticationError, Principal
from ._http import (
    NOT_FORWARDED_DOWN,
    NOT_FORWARDED_UP,
    ASGIApp,
    BodyTooLarge,
    ClientGone,
    RawHeaders,
    Receive,
    Scope,
    Send,
    error_body,
    filter_headers,
    first_of,
    header,
    request_body,
    send_bytes,
    send_json,
)
from ._ownership import OwnershipStore, SQLiteOwnershipStore
from ._policy import ProxyPolicy, RateLimiter, retry_after_header
from ._rules import Rule, rule_for
from ._upstream import Upstream, UpstreamError, UpstreamReply, UpstreamTimeout

__all__ = ["FlowscaleProxy"]

logger = logging.getLogger("flowscale.proxy")

# A path parameter is one plain segment: nothing the upstream could read as another path.
SAFE_SEGMENT = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,199}")
MAX_INSPECTED_REPLY = 16 * 1024 * 1024  # JSON replies the proxy reads (runs, lists)
LEARN_PAGE_SIZE = 100
REDACTED = b"[redacted]"
BODY_HEADERS = (b"content-length", b"content-type")
NOT_FORWARDED_UP_WITHOUT_BODY = NOT_FORWARDED_UP | frozenset(BODY_HEADERS)


class _Refusal(Exception):
    def __init__(self, status: int, message: str, headers: RawHeaders | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


def _not_found(what: str) -> _Refusal:
    return _Refusal(404, what)


def route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette keeps the full path and sets root_path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


class FlowscaleProxy:
    """An ASGI app serving the Flowscale API paths, forwarding to ``upstream`` with ``api_key``.

    Mount it anywhere (Starlette/FastAPI ``Mount``); call ``aclose()`` at shutdown (done for
    you when it is served with an ASGI lifespan).

    Args:
        upstream: The Flowscale API's base URL (a trailing ``/`` is dropped).
        api_key: The API key, added to every forwarded request and never sent to a caller.
        authenticate: Called with each request (a Starlette ``Request``, headers only), sync
            or async; returns the caller's `Principal`. Raising means 401 and nothing is
            forwarded (the message of an `AuthenticationError` goes into the reply).
        policy: The limits (default: ``ProxyPolicy()``).
        ownership: Who owns which run and output (default: an in-memory
            `SQLiteOwnershipStore`).
        table: The operations served (default: the spec's).
        pages: An ASGI app for paths that are not API operations (the demo page).
        timeout: Seconds each read from and write to the upstream may take.
        connect_timeout: Seconds to connect to the upstream, or to wait for a free pooled
            connection.
        max_connections: Upstream connections at most, pooled.

    Raises:
        ValueError: An empty ``api_key``, or an ``upstream`` that is not a plain http(s) base
            URL.
    """

    upstream: str
    """The upstream's base URL, without a trailing ``/``."""
    policy: ProxyPolicy
    """The limits in force."""

    def __init__(
        self,
        upstream: str,
        api_key: str,
        authenticate: Authenticate,
        *,
        policy: ProxyPolicy | None = None,
        ownership: OwnershipStore | None = None,
        table: RouteTable = API_TABLE,
        pages: ASGIApp | None = None,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_connections: int = 2000,
    ) -> None:
        if not api_key:
            raise ValueError("the proxy needs the upstream API key")
        self.upstream: str = upstream.rstrip("/")
        self.policy: ProxyPolicy = policy or ProxyPolicy()
        self._key = api_key
        self._key_bytes = api_key.encode()
        self._authenticate = authenticate
        self._ownership: OwnershipStore = ownership or SQLiteOwnershipStore()
        self._table = table
        self._rules = {op.operation_id: rule_for(op, self.policy.expose) for op in table}
        self._pages = pages
        self._upstream = Upstream(
            self.upstream,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_connections=max_connections,
        )
        self._limiter = (
            RateLimiter(self.policy.requests_per_second, self.policy.burst)
            if self.policy.requests_per_second
            else None
        )
        self._starting: Counter[str] = Counter()  # executes under way, per principal
        # What the store already holds, so that reading a run again writes nothing: owners
        # never change (first writer wins), and a run's outputs and end only grow.
        self._owners: OrderedDict[str, str] = OrderedDict()
        self._learned: OrderedDict[str, tuple[frozenset[str], bool]] = OrderedDict()

    def __repr__(self) -> str:  # the key stays out of reprs and logs
        return f"FlowscaleProxy(upstream={self.upstream!r})"

    def rule(self, operation_id: str) -> Rule:
        """How the proxy treats an operation.

        Args:
            operation_id: An operation id of the route table, e.g. ``get_run``.

        Returns:
            Its `Rule` (with this policy's ``expose``).

        Raises:
            KeyError: No such operation in the table.
        """
        return self._rules[operation_id]

    @staticmethod
    def group_of(principal: Principal) -> str:
        """The upstream group_id of a principal's runs (only the proxy sets it)."""
        return _group_of(principal.id)

    async def aclose(self) -> None:
        """Close the upstream connections and the ownership store (at shutdown)."""
        await self._upstream.aclose()
        await self._ownership.close()

    # ---- ASGI ------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        cors = self._cors(scope)
        try:
            await self._handle(scope, receive, send, cors)
        except _Refusal as refusal:
            await send_json(
                send,
                refusal.status,
                error_body(refusal.message),
                [*refusal.headers, *cors],
                head=scope["method"] == "HEAD",
            )

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _cors(self, scope: Scope) -> RawHeaders:
        origin = header(scope, b"origin")
        if origin is None or origin not in self.policy.cors_origins:
            return []
        return [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
            (b"access-control-expose-headers", b"Retry-After, Content-Type"),
        ]

    async def _handle(self, scope: Scope, receive: Receive, send: Send, cors: RawHeaders) -> None:
        method: str = scope["method"]
        path = route_path(scope)
        if method == "OPTIONS" and header(scope, b"access-control-request-method"):
            await self._preflight(send, path, cors)
            return
        found = self._table.match(method, path)
        if found is None:
            if self._pages is not None and not path.startswith("/api/"):
                await self._pages(scope, receive, send)
                return
            allowed = self._table.allowed_methods(path)
            if allowed:
                raise _Refusal(405, "Method Not Allowed", [(b"allow", ", ".join(allowed).encode())])
            raise _not_found("Not Found")
        rule = self._rules[found.operation.operation_id]
        if rule is Rule.REFUSED:
            raise _not_found("Not Found")
        for name, value in found.path_params.items():
            if not SAFE_SEGMENT.fullmatch(value):
                raise _not_found(f"Not Found: invalid {name}")
        principal = await self._principal(scope)
        if self._limiter is not None:
            wait = self._limiter.take(principal.id)
            if wait > 0:
                raise _Refusal(
                    429,
                    "Too many requests: slow down",
                    [(b"retry-after", retry_after_header(wait).encode())],
                )
        call = _Call(self, scope, receive, send, cors, found, principal, path)
        await call.run(rule)
        logger.info("%s %s (%s) for %s", method, path, found.operation.operation_id, principal.id)

    async def _preflight(self, send: Send, path: str, cors: RawHeaders) -> None:
        if not cors:
            raise _Refusal(403, "Origin not allowed")
        allowed = self._table.allowed_methods(path) or ["GET", "POST"]
        headers = [
            *cors,
            (b"access-control-allow-methods", ", ".join(allowed).encode()),
            (b"access-control-allow-headers", b"Authorization, Content-Type, Last-Event-ID"),
            (b"access-control-max-age", b"600"),
        ]
        await send_bytes(send, 204, b"", headers)

    async def _principal(self, scope: Scope) -> Principal:
        request = Request(scope)
        try:
            found = self._authenticate(request)
            if not isinstance(found, Principal) and inspect.isawaitable(found):
                found = await found
        except AuthenticationError as exc:
            raise _Refusal(401, str(exc), [(b"www-authenticate", b"Bearer")]) from None
        except Exception as exc:  # a hook that fails denies; its message may hold secrets
            logger.warning("authentication hook raised %s", type(exc).__name__)
            raise _Refusal(401, "Not authenticated", [(b"www-authenticate", b"Bearer")]) from None
        if not isinstance(found, Principal):
            raise TypeError(f"authenticate returned {type(found).__name__}, not a Principal")
        return found

    # ---- upstream --------------------------------------------------------------------------
    def upstream_headers(self, scope: Scope, *, with_body: bool = True) -> RawHeaders:
        """The headers to forward for a request: the caller's, filtered, plus the API key.

        Args:
            scope: The ASGI scope of the caller's request.
            with_body: Whether the request is forwarded with its body (else its
                ``Content-Length`` and ``Content-Type`` are dropped too).

        Returns:
            The caller's headers without credentials, cookies and hop-by-hop headers, and
            ``X-API-KEY``.
        """
        drop = NOT_FORWARDED_UP if with_body else NOT_FORWARDED_UP_WITHOUT_BODY
        headers = filter_headers(scope["headers"], drop)
        headers.append((b"x-api-key", self._key_bytes))
        return headers

    async def open(
        self,
        method: str,
        path: str,
        query: str,
        headers: RawHeaders,
        body: AsyncIterator[bytes] | None = None,
        *,
        whole: bool = False,
    ) -> UpstreamReply:
        """Send a request to the upstream; the reply's body is still to be read.

        A timeout is answered to the caller as 504, an unreachable upstream as 502.

        Args:
            method: The HTTP method.
            path: The path below the upstream's base URL, e.g. ``/api/v1/runs``.
            query: The encoded query string ("" for none).
            headers: The headers to send (see `upstream_headers`).
            body: The request body's chunks (None: no body).
            whole: Return once the reply is complete (its body buffered, up to a bound)
                rather than at its head: for a reply that is read whole anyway.

        Returns:
            The reply; always ``aclose()`` it.
        """
        target = path + (f"?{query}" if query else "")
        try:
            return await self._upstream.open(method, target, headers, body, whole=whole)
        except UpstreamTimeout:
            raise _Refusal(504, "The upstream API did not answer in time") from None
        except UpstreamError as exc:
            logger.warning("upstream unreachable: %s", exc)
            raise _Refusal(502, "The upstream API is unreachable") from None

    async def fetch_json(self, path: str, query: Mapping[str, str] | None = None) -> Any:
        """GET a JSON reply from the upstream (the proxy's own look-ups); None if not 200."""
        headers = [(b"x-api-key", self._key_bytes), (b"accept", b"application/json")]
        response = await self.open("GET", path, urlencode(query or {}), headers, whole=True)
        try:
            if response.status_code != 200:
                return None
            return json.loads(await read_capped(response))
        except (ValueError, _Refusal):
            return None
        finally:
            await response.aclose()

    def redact(self, data: bytes) -> bytes:
        """A reply body with the API key replaced, should the upstream have echoed it.

        Args:
            data: The upstream's reply body.

        Returns:
            The body, with every occurrence of the key as ``[redacted]`` (logged as an error).
        """
        if self._key_bytes in data:
            logger.error("the upstream echoed the API key in a reply: redacted")
            return data.replace(self._key_bytes, REDACTED)
        return data

    # ---- ownership -------------------------------------------------------------------------
    @property
    def ownership(self) -> OwnershipStore:
        """The store of run and output owners."""
        return self._ownership

    async def run_owner(self, run_id: str) -> str | None:
        """Who started a run, as recorded (cached; the store is asked once per run).

        Args:
            run_id: The run's id.

        Returns:
            The owner's principal id, or None if the run is not recorded.
        """
        owner = self._owners.get(run_id)
        if owner is None:
            owner = await self._ownership.run_owner(run_id)
            if owner is not None:
                _remember(self._owners, run_id, owner)
        return owner

    async def add_run(self, run_id: str, principal: Principal) -> None:
        """Record the principal as a run's owner (the first owner recorded stays).

        Args:
            run_id: The run's id.
            principal: Who started it.
        """
        if self._owners.get(run_id) is None:
            await self._ownership.add_run(run_id, principal.id)
            _remember(self._owners, run_id, principal.id)

    async def learn_runs(self, principal: Principal, runs: Any) -> None:
        """Record what replies about the principal's own runs say: owners, outputs, ends."""
        if not isinstance(runs, list):
            return
        group = self.group_of(principal)
        for run in runs:
            if not isinstance(run, dict) or run.get("group_id") != group:
                continue
            run_id = run.get("_id") or run.get("id")
            if not isinstance(run_id, str):
                continue
            names = set()
            for name in run.get("output_names") or ():
                if isinstance(name, str):
                    names.add(name.split(".", 1)[0])
            for output in run.get("outputs") or ():
                filename = output.get("filename") if isinstance(output, dict) else None
                if isinstance(filename, str):
                    names.add(filename.split(".", 1)[0])
            ended = run.get("status") in TERMINAL_STATUSES
            known = frozenset(names), ended
            if self._learned.get(run_id) == known:
                continue
            await self.add_run(run_id, principal)
            await self._ownership.add_outputs(principal.id, run_id, sorted(names))
            if ended:
                await self._ownership.mark_ended(run_id)
            _remember(self._learned, run_id, known)

    async def owns_run(self, principal: Principal, run_id: str) -> bool:
        """Whether a run is the principal's: as recorded, else by its group on the upstream.

        Args:
            principal: The caller.
            run_id: The run asked for.

        Returns:
            True if the principal owns it (a run found by its group is recorded).
        """
        owner = await self.run_owner(run_id)
        if owner is not None:
            return owner == principal.id
        # Not recorded (e.g. an in-memory store after a restart): the upstream's group says.
        reply = await self.fetch_json(f"/api/v1/runs/{quote(run_id, safe='')}")
        data = reply.get("data") if isinstance(reply, dict) else None
        if isinstance(data, dict) and data.get("group_id") == self.group_of(principal):
            await self.learn_runs(principal, [data])
            return True
        return False

    async def learn_recent_runs(self, principal: Principal) -> None:
        """Record the principal's most recent runs and their outputs, read from the upstream.

        Args:
            principal: Whose runs (by the group the proxy gives them).
        """
        query = {
            "group_id": self.group_of(principal),
            "page_size": str(LEARN_PAGE_SIZE),
            "sort_by": "created_at",
            "sort_order": "desc",
        }
        reply = await self.fetch_json("/api/v1/runs", query)
        data = reply.get("data") if isinstance(reply, dict) else None
        if isinstance(data, dict):
            await self.learn_runs(principal, data.get("runs"))

    async def runs_in_flight(self, principal: Principal) -> int:
        """The principal's runs that have not ended, and executes under way.

        At the policy's limit by what the proxy saw, it asks the upstream which of the runs
        have ended since.

        Args:
            principal: The caller.

        Returns:
            The count of runs in flight.
        """
        limit = self.policy.max_runs_in_flight
        open_runs = await self._ownership.open_runs(principal.id)
        if limit is not None and len(open_runs) + self._starting[principal.id] >= limit:
            # At the limit by what the proxy saw: ask the upstream which of them ended.
            for run_id in open_runs:
                reply = await self.fetch_json(f"/api/v1/runs/{quote(run_id, safe='')}")
                data = reply.get("data") if isinstance(reply, dict) else None
                if isinstance(data, dict):
                    await self.learn_runs(principal, [data])
            open_runs = await self._ownership.open_runs(principal.id)
        return len(open_runs) + self._starting[principal.id]

    def forget(self, run_id: str) -> None:
        """Drop what the proxy remembers of a run's outputs and end (so it is recorded again).

        Args:
            run_id: The run's id.
        """
        self._learned.pop(run_id, None)

    def starting(self, principal: Principal, delta: int) -> None:
        """Count executes under way for the principal (``+1`` before one, ``-1`` after).

        Args:
            principal: The caller.
            delta: The change in the count.
        """
        self._starting[principal.id] += delta
        if self._starting[principal.id] <= 0:
            del self._starting[principal.id]


@functools.lru_cache(maxsize=4096)  # asked twice per run reply: hashed once per user
def _group_of(principal_id: str) -> str:
    digest = hashlib.sha256(b"flowscale-proxy\0" + principal_id.encode()).hexdigest()
    return f"fsp-{digest[:32]}"


def _remember(cache: OrderedDict[str, Any], key: str, value: Any, size: int = 50_000) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > size:
        cache.popitem(last=False)


async def read_capped(response: UpstreamReply, cap: int = MAX_INSPECTED_REPLY) -> bytes:
    chunks = []
    size = 0
    try:
        while chunk := await response.read_chunk():
            size += len(chunk)
            if size > cap:
                raise _Refusal(502, "The upstream reply is too large")
            chunks.append(chunk)
    except UpstreamError:
        raise _Refusal(502, "The upstream API broke off its reply") from None
    return b"".join(chunks)


class _Call:
    """One proxied request: the operation's rule applied, then the exchange with the upstream."""

    def __init__(
        self,
        proxy: FlowscaleProxy,
        scope: Scope,
        receive: Receive,
        send: Send,
        cors: RawHeaders,
        match: Match,
        principal: Principal,
        path: str,
    ) -> None:
        self.proxy = proxy
        self.scope = scope
        self.receive = receive
        self.send = send
        self.cors = cors
        self.op: Operation = match.operation
        self.params = dict(match.path_params)
        # The path matched: the operation's path with these parameters, each a SAFE_SEGMENT
        # (nothing in one that quoting would change), so it is also the path upstream.
        self._path = path
        self.principal = principal
        self.head = scope["method"] == "HEAD"

    @property
    def query(self) -> list[tuple[str, str]]:
        raw = self.scope.get("query_string", b"").decode("latin-1")
        return parse_qsl(raw, keep_blank_values=True)

    def path(self) -> str:
        return self._path

    async def run(self, rule: Rule) -> None:
        if rule is Rule.EXECUTE:
            await self.execute()
        elif rule is Rule.LIST_RUNS:
            await self.list_runs()
        elif rule is Rule.OUTPUT:
            await self.output()
        elif rule is Rule.WORKFLOWS:
            await self.workflows()
        elif rule is Rule.RUN:
            await self.one_run()
        else:  # Rule.CLUSTER
            await self.pass_back(await self.forward(self.query))

    # ---- the rules ---------------------------------------------------------------------------
    async def execute(self) -> None:
        proxy, principal = self.proxy, self.principal
        query = self.query
        workflow_id = next((v for k, v in query if k == "workflow_id"), None)
        if workflow_id is not None and not proxy.policy.allows_workflow(principal, workflow_id):
            raise _Refusal(403, f"Workflow not allowed: {workflow_id}")
        length = header(self.scope, b"content-length")
        limit = proxy.policy.max_upload_bytes
        if length is not None and length.strip().isdigit() and int(length) > limit:
            raise _Refusal(413, f"Request body too large: the limit is {limit} bytes")
        most = proxy.policy.max_runs_in_flight
        proxy.starting(principal, 1)
        try:
            if most is not None and await proxy.runs_in_flight(principal) > most:
                raise _Refusal(
                    429,
                    f"Too many runs in flight: at most {most} at a time",
                    [(b"retry-after", str(proxy.policy.retry_after).encode())],
                )
            query = [(k, v) for k, v in query if k != "group_id"]
            query.append(("group_id", proxy.group_of(principal)))
            try:
                response = await self.forward(query, request_body(self.receive, limit))
            except BodyTooLarge:
                raise _Refusal(413, f"Request body too large: the limit is {limit} bytes") from None
            except ClientGone:
                return
            body = await self.read(response)
            if response.status_code == 200:
                reply = _json(body)
                data = reply.get("data") if isinstance(reply, dict) else None
                run_id = data.get("run_id") if isinstance(data, dict) else None
                if isinstance(run_id, str):
                    await proxy.add_run(run_id, principal)
            await self.reply(response, body)
        finally:
            proxy.starting(principal, -1)

    async def list_runs(self) -> None:
        query = [(k, v) for k, v in self.query if k != "group_id"]
        query.append(("group_id", self.proxy.group_of(self.principal)))
        response = await self.forward(query)
        body = await self.read(response)
        if response.status_code == 200:
            reply = _json(body)
            data = reply.get("data") if isinstance(reply, dict) else None
            if isinstance(data, dict):
                await self.proxy.learn_runs(self.principal, data.get("runs"))
        await self.reply(response, body)

    async def output(self) -> None:
        proxy, principal = self.proxy, self.principal
        filename = next((v for k, v in self.query if k == "filename"), None)
        if filename is not None:
            name = filename.split(".", 1)[0]
            owner = await proxy.ownership.output_owner(name)
            if owner is None:
                await proxy.learn_recent_runs(principal)
                owner = await proxy.ownership.output_owner(name)
            if owner != principal.id:
                raise _not_found(f"Output not found: {filename}")
        await self.pass_back(await self.forward(self.query))

    async def workflows(self) -> None:
        response = await self.forward(self.query)
        body = await self.read(response)
        reply = _json(body)
        if response.status_code == 200 and isinstance(reply, dict):
            listed = reply.get("data")
            if isinstance(listed, list):
                policy, principal = self.proxy.policy, self.principal
                reply["data"] = [
                    wf
                    for wf in listed
                    if isinstance(wf, dict) and policy.allows_workflow(principal, str(wf.get("id")))
                ]
                body = json.dumps(reply, separators=(",", ":")).encode()
        await self.reply(response, body)

    async def one_run(self) -> None:
        proxy, principal = self.proxy, self.principal
        run_id = self.params["run_id"]
        if not await proxy.owns_run(principal, run_id):
            raise _not_found(f"Run not found: {run_id}")
        response = await self.forward(self.query)
        if self.op.streams_events and response.status_code == 200:
            await self.relay(response)
            return
        learned = None
        try:  # the connection goes back to the pool after the reply, off its path
            body = await read_capped(response)
            if response.status_code == 200:
                reply = _json(body)
                data = reply.get("data") if isinstance(reply, dict) else None
                if isinstance(data, dict) and "_id" in data:
                    if data.get("group_id") != proxy.group_of(principal):
                        raise _not_found(f"Run not found: {run_id}")
                    learned = data
                elif self.op.operation_id == "cancel_run":
                    await proxy.ownership.mark_ended(run_id)
                    proxy.forget(run_id)
            await self.reply(response, body)
        finally:
            await response.aclose()
        if learned is not None:
            # After the reply, not before: the run is checked as the caller's already, and
            # recording its outputs and end (store writes, once per change) is then off the
            # path of the request that first sees them, e.g. the SDK's confirming get_run.
            await proxy.learn_runs(principal, [learned])

    # ---- the exchange ----------------------------------------------------------------------
    async def forward(
        self, query: list[tuple[str, str]], body: AsyncIterator[bytes] | None = None
    ) -> UpstreamReply:
        method = "GET" if self.head else self.scope["method"]
        headers = self.proxy.upstream_headers(self.scope, with_body=body is not None)
        # Every reply but an event stream is read whole (bounded) before it is passed on.
        whole = not self.op.streams_events
        return await self.proxy.open(
            method, self.path(), urlencode(query), headers, body, whole=whole
        )

    async def read(self, response: UpstreamReply) -> bytes:
        try:
            return await read_capped(response)
        finally:
            await response.aclose()

    def reply_headers(self, response: UpstreamReply) -> RawHeaders:
        headers = filter_headers(response.raw_headers, NOT_FORWARDED_DOWN)
        key = self.proxy._key_bytes
        return [(k, v) for k, v in headers if key not in v] + self.cors

    async def pass_back(self, response: UpstreamReply) -> None:
        """A JSON reply, read whole (bounded) so that it can be checked for the key."""
        await self.reply(response, await self.read(response))

    async def reply(self, response: UpstreamReply, body: bytes) -> None:
        headers = self.reply_headers(response)
        body = self.proxy.redact(body)
        await send_bytes(self.send, response.status_code, body, headers, head=self.head)

    async def relay(self, response: UpstreamReply) -> None:
        """Pass the reply through as it arrives; a caller that leaves closes the upstream."""
        try:
            headers = self.reply_headers(response)
            await self.send(
                {"type": "http.response.start", "status": response.status_code, "headers": headers}
            )
            if self.head:
                await self.send({"type": "http.response.body", "body": b""})
                return
            finished = await first_of(self._pump(response), self.receive)
            if not finished:
                logger.debug("caller left: closing the upstream %s", self.op.operation_id)
        finally:
            await response.aclose()

    async def _pump(self, response: UpstreamReply) -> None:
        key = self.proxy._key_bytes
        tail = b""
        try:
            while chunk := await response.read_chunk():
                if key in tail + chunk:
                    logger.error("the upstream echoed the API key in a stream: cut")
                    return  # unfinished: the server closes the connection, the caller resumes
                tail = chunk[-(len(key) - 1) :] if len(key) > 1 else b""
                # The last bytes (e.g. the run's end event) go out with the end of the body:
                # one write, and the caller has the whole reply at once.
                more = not response.complete
                await self.send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    # Its connection back to the pool at once, not a few turns of the loop
                    # later (relay's cleanup): the SDK's confirming get_run follows at once.
                    await response.aclose()
                    return
        except UpstreamError as exc:
            logger.warning("the upstream broke off a stream (%s): cutting it here too", exc)
            return
        await self.send({"type": "http.response.body", "body": b""})


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
