"""CPU time per component of a benchmark run, read from /proc (Linux only).

Little's law ties the end-to-end figures to CPU: on a saturated 2-core machine a message
can cost at most 2 s ÷ msgs/s of CPU across every process. Knowing which process spends
it says where the next gain is.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, process group, CPU seconds) of one process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may contain spaces; the fields after it are fixed.
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    pgid = int(fields[2])
    utime, stime = int(fields[11]), int(fields[12])
    return name, pgid, (utime + stime) / _TICKS


def cpu_snapshot(
    groups: Mapping[str, int], *, by_name: Iterable[str] = ("postgres", "redis-server")
) -> dict[str, float]:
    """CPU seconds so far, summed per component.

    ``groups`` maps a component to a process group id (the benchmark starts each service
    in its own session); processes whose command name is in ``by_name`` are summed under
    that name (the shared PostgreSQL and Redis servers). The benchmark's own process is
    ``loadgen``. Processes that exited before the snapshot are not counted, so take
    snapshots while the services run.
    """
    totals = dict.fromkeys([*groups, *by_name, "loadgen"], 0.0)
    pgid_to_component = {pgid: name for name, pgid in groups.items()}
    names = set(by_name)
    own = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        stat = _stat(pid)
        if stat is None:
            continue
        name, pgid, seconds = stat
        if pid == own:
            totals["loadgen"] += seconds
        elif pgid in pgid_to_component:
            totals[pgid_to_component[pgid]] += seconds
        elif name in names:
            totals[name] += seconds
    return totals


def cpu_ms_per_message(
    before: Mapping[str, float], after: Mapping[str, float], messages: int
) -> dict[str, float]:
    """Milliseconds of CPU per message per component between two snapshots, and their total."""
    if messages <= 0:
        return {}
    spent = {k: (after.get(k, 0.0) - before.get(k, 0.0)) * 1000 / messages for k in after}
    spent["total"] = sum(spent.values())
    return {k: round(v, 2) for k, v in spent.items()}
