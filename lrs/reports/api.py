"""Report endpoints (placeholder until built)."""
