#!/usr/bin/env python3
"""Reads or clears the sandbox's request log (GET/DELETE /sandbox/requests) of the sandbox a kubeconfig points at.

Usage: requests.py KUBECONFIG clear|show|paths   (show prints "TOTAL SEQUENTIAL_ROUND_TRIPS"; paths prints the count
of each method and path, most frequent first)
"""
import json
import re
import sys
import urllib.request

server = re.search(r"server:\s*\"?([^\"\s]+)", open(sys.argv[1]).read()).group(1).rstrip("/")
method = "DELETE" if sys.argv[2] == "clear" else "GET"
with urllib.request.urlopen(urllib.request.Request(server + "/sandbox/requests", method=method)) as answer:
    if method == "GET":
        log = json.load(answer)
        if sys.argv[2] == "paths":
            for path, count in sorted(log["byMethodAndPath"].items(), key=lambda p: -p[1]):
                print(f"{count:6d} {path}")
        else:
            print(log["total"], log["sequentialRoundTrips"])
