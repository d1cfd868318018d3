"""Downloads: the rows rendered by :mod:`odoobridge.exports`, served as an attachment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

from odoobridge.exports import MEDIA_TYPES, ExportFormat, render

__all__ = ["ExportFormat", "export_response"]


def export_response(
    name: str, fmt: ExportFormat, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Response:
    """The rows as a download called ``<name>.<format>``."""
    return Response(
        render(name, fmt, columns, rows),
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'},
    )
