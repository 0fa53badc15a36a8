"""Benchmarks that print figures (JSON); they never assert timings. Run: python -m bench."""
