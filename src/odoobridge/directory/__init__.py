"""Microsoft Entra ID users in the store: tables, the ``azure_users`` sync and read functions."""
