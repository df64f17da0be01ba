#!/usr/bin/env python3
"""The least a client can read to find stuck releases and their live objects, for comparison with helm-unstick scan:
the metadata-only pages of release Secrets (owner=helm, 500 a page), one GET per release whose newest revision is
labelled pending-*, and one list per namespace and kind of the objects in its manifest and hooks (metadata only for
ConfigMaps and Secrets), 8 requests at a time. No verdict, no retries: a lower bound on the work, not a tool.

Usage: minimal-client.py KUBECONFIG   (prints the stuck releases as JSON: namespace, release, revision, objects)
"""
import base64
import concurrent.futures
import gzip
import json
import re
import sys
import urllib.parse
import urllib.request

METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"


def server_of(kubeconfig):
    with open(kubeconfig) as f:
        return re.search(r"server:\s*\"?([^\"\s]+)", f.read()).group(1).rstrip("/")


def get(server, path, accept="application/json"):
    request = urllib.request.Request(server + path, headers={"Accept": accept})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def objects_of(release):
    """(apiVersion, kind, namespace) of every document of the manifest and hooks."""
    texts = [release.get("manifest", "")] + [h.get("manifest", "") for h in release.get("hooks") or []]
    for text in texts:
        for doc in re.split(r"^---", text, flags=re.M):
            api = re.search(r"^apiVersion:\s*(\S+)", doc, re.M)
            kind = re.search(r"^kind:\s*(\S+)", doc, re.M)
            if api and kind:
                yield api.group(1), kind.group(1), release["namespace"]


def main():
    server = server_of(sys.argv[1])
    newest, path = {}, "/api/v1/secrets?labelSelector=owner%3Dhelm&limit=500"
    while path:
        page = get(server, path, METADATA_LIST)
        for item in page.get("items", []):
            meta = item["metadata"]
            labels = meta.get("labels", {})
            key = (meta["namespace"], labels.get("name"))
            version = int(labels.get("version", "0"))
            if key not in newest or newest[key][0] < version:
                newest[key] = (version, labels.get("status", ""), meta["name"])
        token = page.get("metadata", {}).get("continue")
        path = f"/api/v1/secrets?labelSelector=owner%3Dhelm&limit=500&continue={urllib.parse.quote(token)}" if token else None

    candidates = [(ns, name) for (ns, _), (_, status, name) in newest.items() if status.startswith("pending-")]

    def read_release(candidate):
        ns, name = candidate
        secret = get(server, f"/api/v1/namespaces/{ns}/secrets/{name}")
        helm_text = base64.b64decode(base64.b64decode(secret["data"]["release"]))
        return json.loads(gzip.decompress(helm_text) if helm_text[:3] == b"\x1f\x8b\x08" else helm_text)

    def list_kind(group):
        api, kind, ns = group
        plural = kind.lower() + ("es" if kind.endswith("s") else "s")
        prefix = f"/api/{api}" if "/" not in api else f"/apis/{api}"
        accept = METADATA_LIST if kind in ("ConfigMap", "Secret") else "application/json"
        return len(get(server, f"{prefix}/namespaces/{ns}/{plural}", accept).get("items", []))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        releases = list(pool.map(read_release, candidates))
        groups = sorted({g for r in releases for g in objects_of(r)})
        listed = dict(zip(groups, pool.map(list_kind, groups)))
    print(json.dumps([{"namespace": r["namespace"], "release": r["name"], "revision": r["version"],
                       "objects": sum(listed[g] for g in set(objects_of(r)))} for r in releases]))


main()
