"""Thin clients of outside systems: they connect, page, retry, map faults to typed errors and
yield plain records. They never touch the store."""
