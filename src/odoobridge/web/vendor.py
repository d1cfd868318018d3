"""Third-party browser files served from their installed Python packages (no CDN): plotly's JS
from ``plotly``, Swagger UI from ``fastapi_offline``. Only the files named here are served."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from odoobridge.errors import NotFound
from odoobridge.web.deps import public


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the {package} package is not installed")
    return Path(spec.origin).parent


VENDOR_FILES: dict[str, tuple[str, str, str]] = {
    # name: (package, path inside it, media type)
    "plotly.min.js": ("plotly", "package_data/plotly.min.js", "text/javascript"),
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css", "text/css"),
}


def vendor_path(name: str) -> Path:
    if name not in VENDOR_FILES:
        raise NotFound(f"no such file: {name}")
    package, inside, _media = VENDOR_FILES[name]
    return _package_dir(package) / inside


router = APIRouter(dependencies=[Depends(public)], include_in_schema=False)


@router.get("/static/vendor/{name}")
def vendor_file(name: str) -> FileResponse:
    path = vendor_path(name)
    return FileResponse(
        path,
        media_type=VENDOR_FILES[name][2],
        headers={"Cache-Control": "public, max-age=86400"},
    )
