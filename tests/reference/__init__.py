"""Slow, obviously-correct reference implementations that tests and benchmarks compare against."""
