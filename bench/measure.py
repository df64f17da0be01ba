#!/usr/bin/env python3
"""Runs a command RUNS times and prints, as one line "WALL_MS CPU_MS PEAK_MB EXIT": the median wall time, the median
CPU time (user + system, which other load on a shared machine disturbs less than wall time), the largest peak RSS
of the runs, and the last run's exit code. Standard output of the last run goes to OUT.

Usage: measure.py RUNS OUT -- COMMAND [ARGS...]

Peak RSS comes from the kernel's accounting of the child (wait4's ru_maxrss), so no timing tool is needed.
"""
import os
import statistics
import subprocess
import sys
import time


def main():
    runs, out = int(sys.argv[1]), sys.argv[2]
    command = sys.argv[sys.argv.index("--") + 1:]
    walls, cpus, peaks, code = [], [], [], 0
    for _ in range(runs):
        with open(out, "wb") as stdout, open(out + ".err", "wb") as stderr:
            start = time.perf_counter()
            child = subprocess.Popen(command, stdout=stdout, stderr=stderr)
            _, status, usage = os.wait4(child.pid, 0)
            walls.append((time.perf_counter() - start) * 1000)
            cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
            code = os.waitstatus_to_exitcode(status)
            peaks.append(usage.ru_maxrss / 1024)
    print(f"{statistics.median(walls):.0f} {statistics.median(cpus):.0f} {max(peaks):.0f} {code}")


main()
