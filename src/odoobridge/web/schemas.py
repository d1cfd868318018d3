"""Answer shapes shared by every domain's API."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, BeforeValidator

from odoobridge.environment import Environment
from odoobridge.errors import ConfigError

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """A page of a list: ``items`` and how many match in all."""

    total: int
    limit: int
    offset: int
    items: list[T]


def _environment(value: object) -> object:
    if isinstance(value, str):
        try:
            return Environment.parse(value)
        except ConfigError:
            raise ValueError("use preprod or prod") from None
    return value


# An Odoo environment in any case: preprod, PREPROD, production …
EnvironmentName = Annotated[Environment, BeforeValidator(_environment)]

# Store ids are 64-bit: anything larger is a bad request (422 naming the field), never a 500.
MAX_ID = 2**63 - 1
RunParam = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="A past run (default: the latest sync)")
]
