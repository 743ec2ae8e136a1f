"""Benchmark the matching engine without Django: python bench/bench_matching.py [--help]."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.engine.benchmark import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
