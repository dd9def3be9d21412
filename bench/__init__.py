"""Benchmarks of what users feel (run with ``scripts/bench``; never timed tests).

Every figure is a ratio against a floor measured in the same run, so the table holds on a
noisy machine. Rows 1-6 use the fake gateway (in its own process), row 7 the real one.
"""
