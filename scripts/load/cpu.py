#!/usr/bin/env python3
"""Counts CPU time while one measurement runs: the service, the PostgreSQL backends of the load
database, the load generator, and the whole machine.

  cpu.py DATABASE SERVER_PID CLIENT_COMM OUT_FILE     (runs until SIGTERM or SIGINT)

Samples /proc every 0.2 s. Backends are the processes whose title names DATABASE (PostgreSQL
sets it to "postgres: USER DATABASE ..."); a process first seen after the start counts from
zero. On exit writes one line to OUT_FILE:

  server_s=.. pg_s=.. client_s=.. busy_s=.. irq_s=.. wall_s=.. cores=..

busy_s is the machine's non-idle CPU time over all cores (other people's work included);
irq_s the part of it spent in interrupts and soft interrupts (on loopback, much of the network
stack's work), which no process is charged with.
"""

import os
import signal
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def busy():
    """(non-idle, interrupt) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK, (values[5] + values[6]) / TICK  # irq, softirq


def main():
    database, server_pid, client_comm, out = sys.argv[1:5]
    server_pid = int(server_pid)
    needle = f" {database} ".encode()
    first, last, kind = {}, {}, {}
    started = True

    def sample():
        nonlocal started
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            if pid not in kind:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ")
                    with open(f"/proc/{pid}/comm") as f:
                        comm = f.read().strip()
                except OSError:
                    continue
                if pid == server_pid:
                    kind[pid] = "server"
                elif cmd.startswith(b"postgres:") and needle in cmd + b" ":
                    kind[pid] = "pg"
                elif comm == client_comm:
                    kind[pid] = "client"
                else:
                    kind[pid] = None
            if kind[pid] is None:
                continue
            value = cpu_of(pid)
            if value is None:
                continue
            if pid not in first:
                first[pid] = value if started else 0.0
            last[pid] = value
        started = False

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    t0, (b0, i0) = time.monotonic(), busy()
    sample()
    while not stop:
        time.sleep(0.2)
        sample()
    sample()
    totals = {"server": 0.0, "pg": 0.0, "client": 0.0}
    for pid, value in last.items():
        totals[kind[pid]] += value - first[pid]
    b1, i1 = busy()
    with open(out, "w") as f:
        f.write(
            f"server_s={totals['server']:.3f} pg_s={totals['pg']:.3f} client_s={totals['client']:.3f} "
            f"busy_s={b1 - b0:.3f} irq_s={i1 - i0:.3f} wall_s={time.monotonic() - t0:.3f} cores={os.cpu_count()}\n"
        )


if __name__ == "__main__":
    main()
