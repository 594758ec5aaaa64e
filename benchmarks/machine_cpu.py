"""The machine's busy CPU time (Linux /proc/stat): what a load run costs on all cores,
load client, web server and database together."""

import os

CORES = os.cpu_count() or 1
_TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds spent so far on all cores, idle and I/O wait excluded."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICKS
