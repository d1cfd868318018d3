"""Page sizes of the gateway's searches, one place for the API, the schemas and the CLI."""

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
