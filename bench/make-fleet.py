#!/usr/bin/env python3
"""Writes a sandbox store of a fleet of Helm releases, built from a real Helm payload.

Usage: make-fleet.py OUT.json RELEASES REVISIONS STUCK_EVERY [MANIFEST_KB [STUCK_OBJECTS]]

Each release gets REVISIONS revisions (the newest deployed, older superseded); every STUCK_EVERY-th release
gets one more revision stuck in pending-upgrade. MANIFEST_KB adds that much (poorly compressible) ConfigMap data
to every manifest, as large charts have; real chart payloads range from a few KB to about a megabyte. STUCK_OBJECTS
adds that many objects to each stuck revision's manifest (four in five ConfigMaps, the rest Deployments), each also
stored live, for the liveness verdict to read. Payloads are encoded as Helm does (gzip, base64), so real
helm decodes them; the store is in the format of ../shared/fixtures/helm3.18/cluster-*.json.
"""
import base64
import gzip
import json
import os
import random
import sys

here = os.path.dirname(os.path.abspath(__file__))
fixture = os.path.join(here, "..", "..", "shared", "fixtures", "helm3.18", "release-deployed-with-hooks.json")


def padding(kb, seed):
    rng = random.Random(seed)
    lines = [f"  key{n}: {rng.getrandbits(256):064x}" for n in range(kb * 1024 // 80)]
    return "\n---\n# Source: big/templates/data.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n" + "\n".join(lines) + "\n"


def secret(template, ns, release, version, status, when, extra=""):
    payload = dict(template)
    payload["manifest"] = template["manifest"] + extra
    payload["name"] = release
    payload["namespace"] = ns
    payload["version"] = version
    payload["info"] = dict(template["info"], status=status, first_deployed=when, last_deployed=when,
                           description="Upgrade complete" if status != "pending-upgrade" else "Preparing upgrade")
    raw = json.dumps(payload, separators=(",", ":")).encode()
    helm_text = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0))
    name = f"sh.helm.release.v1.{release}.v{version}"
    return {
        "key": ["v1", ns, "secrets", name],
        "obj": {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": {"name": release, "owner": "helm", "status": status, "version": str(version)},
            },
            "type": "helm.sh/release.v1",
            "data": {"release": base64.b64encode(helm_text).decode()},
        },
    }


def stuck_objects(ns, release, count):
    """The manifest text of COUNT more objects and their live copies (store entries)."""
    text, live = "", []
    for n in range(count):
        name = f"{release}-obj-{n}"
        if n < count * 4 // 5:
            text += f"\n---\n# Source: big/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  n: \"{n}\"\n"
            live.append({"key": ["v1", ns, "configmaps", name],
                         "obj": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"n": str(n)}}})
        else:
            text += f"\n---\n# Source: big/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n"
            live.append({"key": ["apps/v1", ns, "deployments", name],
                         "obj": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns, "generation": 1},
                                 "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                                          "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}})
    return text, live


def main():
    out, releases, revisions, stuck_every = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    manifest_kb = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    objects_per_stuck = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    with open(fixture) as f:
        template = json.load(f)
    entries = []
    for i in range(releases):
        ns = f"team-{i % 50:02d}"
        release = f"svc-{i:05d}"
        for version in range(1, revisions + 1):
            status = "deployed" if version == revisions else "superseded"
            extra = padding(manifest_kb, f"{release}.{version}") if manifest_kb else ""
            entries.append(secret(template, ns, release, version, status, f"2026-11-{1 + version % 20:02d}T10:00:00.000000000Z", extra))
        if stuck_every and i % stuck_every == 0:
            extra = padding(manifest_kb, f"{release}.stuck") if manifest_kb else ""
            objects, live = stuck_objects(ns, release, objects_per_stuck)
            extra += objects
            entries.extend(live)
            entries.append(secret(template, ns, release, revisions + 1, "pending-upgrade", "2026-11-22T03:00:00.000000000Z", extra))
    with open(out, "w") as f:
        json.dump(entries, f)
    print(f"{out}: {sum(1 for e in entries if e['key'][2] == 'secrets')} release Secrets, {releases} releases, {(releases + stuck_every - 1) // stuck_every if stuck_every else 0} stuck")


main()
