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


# pid -> (component, CPU seconds so far)
CpuSnapshot = dict[int, tuple[str, float]]


def cpu_snapshot(
    groups: Mapping[int, str], *, by_name: Iterable[str] = ("postgres", "redis-server")
) -> CpuSnapshot:
    """CPU seconds so far of every process that belongs to a component.

    ``groups`` maps a process group id to its component (the benchmark starts each
    service process in its own session); processes whose command name is in ``by_name`` belong to that
    name (the shared PostgreSQL and Redis servers). The benchmark's own process is
    ``loadgen``. Per process, so that one exiting between two snapshots (a database
    connection closed) cannot make a difference negative: its last interval is simply
    not counted.
    """
    names = set(by_name)
    own = os.getpid()
    snapshot: CpuSnapshot = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        stat = _stat(pid)
        if stat is None:
            continue
        name, pgid, seconds = stat
        component = "loadgen" if pid == own else groups.get(pgid) or (name if name in names else None)
        if component is not None:
            snapshot[pid] = (component, seconds)
    return snapshot


def cpu_ms_per_message(before: CpuSnapshot, after: CpuSnapshot, messages: int) -> dict[str, float]:
    """Milliseconds of CPU per message per component between two snapshots, and their total."""
    if messages <= 0:
        return {}
    spent: dict[str, float] = {}
    for pid, (component, seconds) in after.items():
        earlier = before.get(pid)
        # A pid reused by another component is a new process: count it from zero.
        start = earlier[1] if earlier is not None and earlier[0] == component else 0.0
        spent[component] = spent.get(component, 0.0) + max(0.0, seconds - start) * 1000 / messages
    spent["total"] = sum(spent.values())
    return {k: round(v, 2) for k, v in spent.items()}
