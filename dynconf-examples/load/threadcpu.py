#!/usr/bin/env python3
"""Per-thread CPU of one process, from /proc (python3 standard library only; see README.md here).

  threadcpu.py snap PID FILE          write every thread's name and CPU ticks (utime + stime) to FILE
  threadcpu.py diff BEFORE AFTER [N]  CPU each thread group spent between two snapshots (ms, and the
                                      kernel's share of it), top N

Thread names are grouped with their trailing numbers removed (`epollEventLoopGroup-2-1` and
`-2-2` are one group), so a pool's threads add up. Threads that started after BEFORE count from 0;
threads that ended before AFTER are lost (their ticks are in the process's total, not here).
"""
import json
import os
import re
import sys

TICK = os.sysconf("SC_CLK_TCK")


def snap(pid):
    out = {}
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/stat") as f:
                stat = f.read()
            with open(f"{base}/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue  # the thread ended between listdir and open
        fields = stat[stat.rindex(")") + 2:].split()
        out[tid] = [name, int(fields[11]) + int(fields[12]), int(fields[12])]
    return out


def group(name):
    return re.sub(r"[-#_ ]?\d+$", "", re.sub(r"(-\d+)+$", "", name)) or name


def diff(before, after, top):
    spent, kernel = {}, {}
    for tid, (name, ticks, sys_ticks) in after.items():
        was = before.get(tid, [name, 0, 0])
        g = group(name)
        spent[g] = spent.get(g, 0) + ticks - was[1]
        kernel[g] = kernel.get(g, 0) + sys_ticks - was[2]
    total = sum(spent.values())
    rows = sorted(spent.items(), key=lambda kv: -kv[1])[:top]
    for g, t in rows:
        if t:
            print(f"{t * 1000 // TICK:>8} ms  {100.0 * t / max(total, 1):5.1f}%  ({100.0 * kernel[g] / t:3.0f}% in the kernel)  {g}")
    print(f"{total * 1000 // TICK:>8} ms  total of the threads alive at the end")


def main(argv):
    if len(argv) >= 3 and argv[0] == "snap":
        with open(argv[2], "w") as f:
            json.dump(snap(argv[1]), f)
    elif len(argv) >= 3 and argv[0] == "diff":
        with open(argv[1]) as f:
            before = json.load(f)
        with open(argv[2]) as f:
            after = json.load(f)
        diff(before, after, int(argv[3]) if len(argv) > 3 else 15)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
