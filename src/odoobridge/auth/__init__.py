"""Who may use OdooBridge: accounts (local and Microsoft Entra), roles, API keys and the audit
log. Service functions take a ``Session`` and never commit."""
