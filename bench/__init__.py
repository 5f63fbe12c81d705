"""Benchmarks, run on demand (see README.md here).

A package, so that tools see calendar.py as bench.calendar, not the standard calendar.
"""
