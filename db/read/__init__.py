"""Read queries for the dashboard: aggregates computed in SQL, returned as small frames."""
