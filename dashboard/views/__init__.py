"""One module per dashboard page; each only lays out."""
