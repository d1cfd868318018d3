"""Sync runs: the lifecycle, lock and progress every source's sync shares."""
