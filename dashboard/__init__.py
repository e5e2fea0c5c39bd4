"""The Streamlit dashboard: read-only views of what the collector stored."""
