"""Where py-sweep's Python thread ran, and how often it was taken off its core.

The Python layers' cost is host time on one thread, so the core that thread runs on and what
shares it move the numbers (docs/python-layer.md, "Warm-up"). The report's context records it
(`host_cpu`) so that two runs can be told apart by their conditions, not only by their times.
Linux only; elsewhere the fields are empty. Torch-free.
"""

import os
import resource

# The timing thread's own counts (Linux); the process's where the platform has no per-thread ones.
_WHO = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)


def current_cpu():
    """The CPU the calling thread last ran on (field 39 of /proc/thread-self/stat), or None."""
    try:
        with open("/proc/thread-self/stat", encoding="ascii") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[36])  # fields[0] is field 3 (state); field 39 is fields[36]


class HostCpuRecord:
    """The calling thread's context switches between start() and record(), and every CPU seen at
    note()."""

    def __init__(self):
        self._start = None
        self._cpus_seen = set()

    def start(self):
        self._start = resource.getrusage(_WHO)
        self.note()

    def note(self):
        cpu = current_cpu()
        if cpu is not None:
            self._cpus_seen.add(cpu)

    def record(self):
        """The context's `host_cpu`: affinity, CPUs seen, context switches since start()."""
        self.note()
        affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        end = resource.getrusage(_WHO)
        start = self._start or end
        return {
            "affinity": affinity,
            "cpus_seen": sorted(self._cpus_seen),
            # Voluntary: the thread waited (e.g. a synchronize that blocks); involuntary: the
            # scheduler took the core away, the switches that move a host-bound timing.
            "voluntary_context_switches": end.ru_nvcsw - start.ru_nvcsw,
            "involuntary_context_switches": end.ru_nivcsw - start.ru_nivcsw,
        }
