"""Small measuring helpers shared by the benchmarks."""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0..100) of ``values``, rounded to 0.01; 0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return round(ordered[rank - 1], 2)


def machine() -> dict[str, Any]:
    """The machine a figure was taken on, and how busy it was (1-minute load average)."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "python": platform.python_version(),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def print_report(report: dict[str, Any], *, as_json: bool) -> None:
    """One JSON object (``--json``), or one ``key: value`` line per figure."""
    if as_json:
        print(json.dumps(report))
        return
    for key, value in report.items():
        print(f"{key}: {value}")
