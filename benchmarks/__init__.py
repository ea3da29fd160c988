"""Load and latency benchmarks (run as scripts: ``python benchmarks/turns.py --json``)."""
