#!/usr/bin/env python3
"""Runs `helm-unstick serve -A` against the sandbox a kubeconfig points at, waits until /readyz answers 200, then
leaves it idle for SECONDS and prints one line "PEAK_MB STEADY_MB REQUESTS READY_S": the peak RSS of the whole run
(the kernel's VmHWM), the largest RSS sampled while idle (VmRSS, every 0.5 s), the requests the sandbox served after
ready (GET /sandbox/requests, Lease renewals included) and the seconds serve took to turn ready.

Usage: idle-serve.py KUBECONFIG HELM_UNSTICK SECONDS [EXTRA SERVE ARGS...]
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.M).group(1))


def sandbox(kubeconfig, method):
    server = re.search(r"server:\s*\"?([^\"\s]+)", open(kubeconfig).read()).group(1).rstrip("/")
    with urllib.request.urlopen(urllib.request.Request(server + "/sandbox/requests", method=method)) as answer:
        return answer.read()


def main():
    kubeconfig, binary, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, KUBECONFIG=kubeconfig)
    started = time.monotonic()
    serve = subprocess.Popen([binary, "serve", "-A", "--metrics-address", f"127.0.0.1:{port}", *sys.argv[4:]],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if serve.poll() is not None:
                sys.exit(f"serve exited with {serve.returncode} before it was ready")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.1)
        ready = time.monotonic() - started
        sandbox(kubeconfig, "DELETE")
        steady, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            steady = max(steady, status_kb(serve.pid, "VmRSS"))
            time.sleep(0.5)
        peak = status_kb(serve.pid, "VmHWM")
        import json
        requests = json.loads(sandbox(kubeconfig, "GET"))["total"]
        print(f"{peak / 1024:.0f} {steady / 1024:.0f} {requests} {ready:.1f}")
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)


main()
