"""The machine's busy CPU time (Linux /proc/stat): what a load run costs on all cores,
load client, web server and database together."""

import os

CORES = os.cpu_count() or 1
_TICKS = os.sysconf("SC_CLK_TCK")


def busy_seconds() -> float:
    """CPU seconds spent so far on all cores by this machine's own work."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq = map(int, stat.readline().split()[1:8])
    # Steal (time a hypervisor gave to other guests) is not this machine's work.
    return (user + nice + system + irq + softirq) / _TICKS
