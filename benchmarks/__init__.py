"""Benchmark scripts: figures and ratios measured side by side in one run (see
docs/performance.md). Run them with `make bench` or `python -m benchmarks.<name>`."""
