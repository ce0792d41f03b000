"""Catalog sync: rows (allowlist copy), catalogs (what is synced), engine (how), runs (records),
operations (what the command, schedules, tasks and admin call)."""
