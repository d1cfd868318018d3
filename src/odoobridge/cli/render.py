"""Output helpers shared by the commands: JSON on stdout, rich tables, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from odoobridge.sync.runs import ProgressListener, ProgressState

console = Console()
err_console = Console(stderr=True)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n")


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    console.print(t)


@contextmanager
def progress_bar(enabled: bool) -> Iterator[list[ProgressListener]]:
    """Listeners that drive a progress bar on stderr (none when disabled or not a terminal)."""
    if not enabled or not err_console.is_terminal:
        yield []
        return
    with Progress(
        TextColumn("{task.description:<24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def listen(state: ProgressState) -> None:
            bar.update(task, description=state.phase, completed=state.done, total=state.total)

        yield [listen]
