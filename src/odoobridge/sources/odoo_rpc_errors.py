"""The error tree of the Odoo API client (:mod:`.odoo_rpc`, whose docstring draws it): one class
per way a call can fail, each with the HTTP status the app answers with, and the map from the
name of an Odoo exception to its class."""

from __future__ import annotations

from odoobridge.errors import SourceError


class OdooRpcError(SourceError):
    status = 502

    def __init__(self, message: str, odoo_message: str = "") -> None:
        super().__init__(message)
        self.odoo_message = odoo_message


class OdooConnectionError(OdooRpcError):
    status = 503


class OdooOutcomeUnknown(OdooRpcError):
    status = 504


class OdooThrottled(OdooRpcError):
    """HTTP 429: the server (Odoo Online's front) refused the call before running it. The
    client never sends it again by itself; a reader may, after ``retry_after`` seconds."""

    status = 503

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OdooAccessDenied(OdooRpcError):
    status = 502


class OdooAccessError(OdooRpcError):
    status = 403


class OdooMissingError(OdooRpcError):
    status = 404


class OdooValidationError(OdooRpcError):
    status = 422


class OdooUserError(OdooRpcError):
    status = 422


FAULTS: dict[str, type[OdooRpcError]] = {
    "AccessDenied": OdooAccessDenied,
    "AccessError": OdooAccessError,
    "MissingError": OdooMissingError,
    "ValidationError": OdooValidationError,
    "UserError": OdooUserError,
}
