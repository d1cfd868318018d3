"""The web application: the FastAPI factory, the current principal and role guards, the layout
templates and static files. Domains bring their own ``api.py`` (JSON) and ``pages.py`` (HTML)."""
