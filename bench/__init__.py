"""Benchmarks: ingest, dashboard and poll figures measured against references in the same run."""
