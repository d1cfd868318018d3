"""Liveness (``/healthz``: the process answers) and readiness (``/readyz``: the store answers,
takes writes and its migrations are at head); both open to everyone, neither reveals anything
secret."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from odoobridge.store.availability import StoreUnavailable, check_writable
from odoobridge.store.migrate import current_revisions, head_revisions
from odoobridge.web.deps import get_store, public

router = APIRouter(dependencies=[Depends(public)], tags=["health"])


@router.get("/healthz", summary="The process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store answers, takes writes and is migrated")
def readyz(request: Request) -> JSONResponse:
    store = get_store(request)
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revisions(store.engine)
        check_writable(store.engine)  # a read-only store answers reads but fails every sync
    except StoreUnavailable as exc:
        return JSONResponse({"detail": exc.message}, status_code=503)
    except SQLAlchemyError as exc:
        reason = type(exc.orig or exc).__name__ if hasattr(exc, "orig") else type(exc).__name__
        return JSONResponse(
            {"detail": f"the store does not answer ({reason}): check DATABASE_URL"},
            status_code=503,
        )
    heads = head_revisions()
    if current != heads:
        missing = ", ".join(sorted(heads - current))
        return JSONResponse(
            {"detail": f"the store lacks migrations {missing}: run `odoobridge db upgrade`"},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "migrations": sorted(current)})
