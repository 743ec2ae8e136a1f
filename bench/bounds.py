"""What the bound reports in ``bench/`` share: instance files, their optima, distances above them."""

import argparse
import json
from pathlib import Path


def arguments(description: str) -> argparse.Namespace:
    """Instance files and ``--optima`` (a JSON of optima by ``file:STEM@HOUSEHOLDS``, as
    ``bench/engine_sweep.py`` writes them), parsed; ``optima`` the dict (empty without it)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--optima", type=Path, help="JSON of optima (file:STEM@HOUSEHOLDS keys)")
    args = parser.parse_args()
    args.optima = json.loads(args.optima.read_text()) if args.optima else {}
    return args


def optimum_of(optima: dict, path: Path, households: int) -> tuple[str, float | None]:
    """The file's key and its optimum (None where it is not known)."""
    key = f"file:{path.stem}@{households}"
    return key, optima.get(key, {}).get("objective")


def above(value: float, optimum: float | None, digits: int = 4) -> str:
    """How far ``value`` is above ``optimum``, in percent ("-" when it is not known)."""
    return "-" if optimum is None else f"{(value - optimum) / optimum * 100:.{digits}f} %"
