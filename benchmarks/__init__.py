"""Benchmarks of the hypomag sweep engine; run with ``python -m benchmarks``."""
