"""The ``odoobridge`` command line: parse, call a domain function, render."""
