"""Benchmarks, run on demand: see README.md here."""
