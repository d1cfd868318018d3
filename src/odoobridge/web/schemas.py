"""Answer shapes shared by every domain's API."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list: ``items`` and how many match in all."""

    total: int
    limit: int
    offset: int
    items: list[T]
