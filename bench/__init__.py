"""Benchmarks for Relais: `make bench` prints figures beside baselines measured in the same run."""
