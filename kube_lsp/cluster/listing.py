"""LIST a collection the way the Kubernetes API documents it: in pages of `limit` items, following
`metadata.continue` (the same query with `continue=<token>`, which the server answers from the first page's
resourceVersion), and only until the continue token is empty — a page may hold fewer items than `limit`, even
none, when selectors filter them out, so only the token says whether more exist.

Bounded: at most `max_pages` pages; a list cut short says so (`Listing.truncated`, with
`remainingItemCount` when the server gave it). A continue token the server no longer honours (410 Gone,
reason Expired: compacted away) starts the list again from scratch, once. Every request is a GET through
`ClusterTransport.send`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from kube_lsp.cluster.transport import ClusterTransport, Response

PAGE_LIMIT: Final = 500  # items a page (kubectl's default chunk size)
MAX_PAGES: Final = 20  # pages a list, at most (10 000 items)


class ListError(RuntimeError):
    """A page was refused or failed: the answer's status and its message."""

    def __init__(self, status: int, message: str, path: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.path = path


@dataclass(frozen=True, slots=True)
class Listing:
    items: list[dict[str, Any]]
    resource_version: str  # the list's (its first page's) resourceVersion
    pages: int
    truncated: bool = False  # more items existed than `max_pages` pages hold
    remaining: int | None = None  # when truncated: the server's remainingItemCount, if it gave one
    relisted: bool = False  # an expired continue token made it start again

    def note(self, what: str) -> str:
        """A sentence for a truncated listing ("" when complete)."""
        if not self.truncated:
            return ""
        more = f" ({self.remaining} more not read)" if self.remaining else " (more not read)"
        return f"only the first {len(self.items)} {what} were read, in {self.pages} pages{more}"


def message_of(resp: Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.body.decode("utf-8", "replace")[:300]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("reason") or resp.status)
    return str(body)


def list_all(transport: ClusterTransport, path: str, query: Sequence[tuple[str, str]] = (), *,
             limit: int = PAGE_LIMIT, max_pages: int = MAX_PAGES) -> Listing | None:
    """Every item of the collection at `path` (None when the collection is not found: 404). A non-2xx page
    raises ListError; an expired continue token (410) lists again from the start, once."""
    for attempt in (0, 1):
        items: list[dict[str, Any]] = []
        token = ""
        rv = ""
        pages = 0
        remaining: int | None = None
        while True:
            page_query = [*query, ("limit", str(limit))] + ([("continue", token)] if token else [])
            resp = transport.send("GET", path, query=page_query)
            if resp.status == 404 and not token:
                return None
            if resp.status == 410 and token and attempt == 0:  # noqa: PLR2004 - the continue token expired
                break
            if resp.status >= 300:  # noqa: PLR2004
                raise ListError(resp.status, message_of(resp), path)
            try:
                body = resp.json()
            except ValueError:
                raise ListError(resp.status, "the answer is not JSON", path) from None
            data: dict[str, Any] = body if isinstance(body, dict) else {}
            meta: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
            if not pages:
                rv = str(meta.get("resourceVersion") or "")
            pages += 1
            page = data.get("items")
            if isinstance(page, list):
                items.extend(i for i in page if isinstance(i, dict))
            token = str(meta.get("continue") or "")
            count = meta.get("remainingItemCount")
            remaining = count if isinstance(count, int) and not isinstance(count, bool) else None
            if not token:
                return Listing(items, rv, pages, relisted=attempt == 1)
            if pages >= max_pages:
                return Listing(items, rv, pages, truncated=True, remaining=remaining, relisted=attempt == 1)
    raise ListError(410, "the list's continue token expired twice", path)  # pragma: no cover - loop exits above


__all__ = ["MAX_PAGES", "PAGE_LIMIT", "ListError", "Listing", "list_all", "message_of"]
