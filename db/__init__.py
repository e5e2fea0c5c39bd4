"""Storage layer shared by the collector (writer) and the dashboard (reader)."""
