"""Read Entra users for one sync run — a full listing, or the changes since the saved delta link —
from Microsoft Graph or from a mock file. Nothing here writes to the store.

Full: a "from now on" delta link is taken first (``$deltatoken=latest``, no user data), then
``/users`` is listed to the end. A change made while the listing runs is therefore seen again by
the next delta round (Graph documents such replays; applying one twice is harmless), never lost.

Delta: the saved link is followed to its next ``@odata.deltaLink``. A link Graph no longer accepts
(410 Gone, ``syncStateNotFound``), one older than Graph's ~7-day lifetime, or one made for other
properties falls back to a full sync, and the reading says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from odoobridge.logs import get_logger, kv
from odoobridge.settings import Settings
from odoobridge.sources.graph import GraphClient, GraphDeltaExpired, GraphPermissionError
from odoobridge.sources.graph_mock import GraphMockFile
from odoobridge.sources.graph_records import (
    USER_SELECT,
    DeltaItem,
    EntraUserRecord,
    PageReader,
    SignInRecord,
)
from odoobridge.store.base import utcnow
from odoobridge.sync.runs import Progress

log = get_logger(__name__)

DELTA_QUERY = f"$select={USER_SELECT},manager"
DELTA_LINK_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class SavedLink:
    delta_link: str
    obtained_at: datetime
    query: str


@dataclass
class Reading:
    mode: str  # "full" or "delta"
    source: str  # "graph" or "mock"
    at: datetime = field(default_factory=utcnow)
    users: list[EntraUserRecord] = field(default_factory=list)  # full
    changes: list[DeltaItem] = field(default_factory=list)  # delta
    delta_link: str | None = None
    delta_link_obtained_at: datetime | None = None
    full_reason: str | None = None
    delta_fallback: str | None = None
    sign_ins: list[SignInRecord] | None = None  # None: not read this run
    sign_in_warning: str | None = None
    missing_fields: dict[str, int] = field(default_factory=dict)
    source_stats: dict[str, Any] = field(default_factory=dict)

    @property
    def fetched(self) -> int:
        return len(self.users) if self.mode == "full" else len(self.changes)


class MockSource:
    """A mock file, loaded when the run reads it (so a bad file fails the run, named)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def close(self) -> None:
        return None


DirectorySource = GraphClient | MockSource


def open_source(settings: Settings) -> DirectorySource:
    """The mock file when mocks are allowed and one is configured, else Microsoft Graph
    (a ConfigError names every missing setting)."""
    if settings.allow_sync_mocks and settings.azure_user_sync_mock_file is not None:
        return MockSource(settings.azure_user_sync_mock_file)
    return GraphClient.from_settings(settings)


def read_directory(
    source: DirectorySource,
    settings: Settings,
    saved: SavedLink | None,
    *,
    full: bool,
    progress: Progress,
) -> Reading:
    if isinstance(source, MockSource):
        return _read_mock(source, progress)
    reading = _read_users(source, settings, saved, full=full, progress=progress)
    if settings.azure_signin_activity:
        _read_sign_ins(source, reading, progress)
    reading.source_stats = source.stats.as_dict()
    return reading


def _read_mock(source: MockSource, progress: Progress) -> Reading:
    progress.phase("reading the mock file")
    mock = GraphMockFile(source.path)
    progress.advance(len(mock.users))
    return Reading(
        mode="full",
        source="mock",
        users=mock.users,
        sign_ins=mock.sign_ins,
        full_reason=f"mock file {source.path.name}",
        source_stats={"requests": 0, "pages": 0, "retries": 0, "seconds_throttled": 0.0},
    )


def _why_not_delta(settings: Settings, saved: SavedLink | None, full: bool) -> str | None:
    if full:
        return "requested (--full)"
    if settings.azure_user_filter:
        return "ODOOBRIDGE_AZURE_USER_FILTER is set (Graph's users/delta filters by id only)"
    if saved is None:
        return "no delta link saved yet"
    if saved.query != DELTA_QUERY:
        return "the saved delta link tracks other properties"
    return None


def _read_users(
    graph: GraphClient,
    settings: Settings,
    saved: SavedLink | None,
    *,
    full: bool,
    progress: Progress,
) -> Reading:
    reason = _why_not_delta(settings, saved, full)
    fallback: str | None = None
    if reason is None and saved is not None:
        age = utcnow() - saved.obtained_at
        if age > DELTA_LINK_LIFETIME:
            fallback = (
                f"the saved delta link is {age.days} days old and Graph keeps them about 7 days"
            )
        else:
            try:
                return _read_delta(graph, saved, progress)
            except GraphDeltaExpired as exc:
                fallback = exc.message
        log.warning("delta sync not possible, syncing in full", extra=kv(reason=fallback))
        reason = "the delta link could not be used"
    reading = Reading(mode="full", source="graph", full_reason=reason, delta_fallback=fallback)
    if not settings.azure_user_filter:
        progress.phase("starting change tracking")
        reading.delta_link_obtained_at = utcnow()
        reading.delta_link = graph.latest_delta_link()
    progress.phase("listing users")
    reader = PageReader()
    for page in graph.users(settings.azure_user_filter):
        reading.users.extend(reader.users(page.items, page.where))
        progress.advance(len(page.items))
    reading.missing_fields = dict(reader.missing)
    return reading


def _read_delta(graph: GraphClient, saved: SavedLink, progress: Progress) -> Reading:
    progress.phase("reading changes")
    reading = Reading(mode="delta", source="graph")
    reader = PageReader()
    started = utcnow()
    for page in graph.delta(saved.delta_link):
        reading.changes.extend(reader.delta_items(page.items, page.where))
        progress.advance(len(page.items))
        if page.delta_link:
            reading.delta_link = str(page.delta_link)
            reading.delta_link_obtained_at = started
    return reading


def _read_sign_ins(graph: GraphClient, reading: Reading, progress: Progress) -> None:
    progress.phase("reading sign-in activity")
    reader = PageReader()
    records: list[SignInRecord] = []
    try:
        for page in graph.sign_ins():
            records.extend(reader.sign_ins(page.items, page.where))
            progress.advance(len(page.items))
    except GraphPermissionError as exc:
        reading.sign_in_warning = f"{exc.message}; the rest of the sync went on without it"
        log.warning("sign-in activity not read", extra=kv(reason=exc.message))
        return
    reading.sign_ins = records
