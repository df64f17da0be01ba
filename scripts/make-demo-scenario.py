#!/usr/bin/env python3
"""Writes the built-in sandbox scenarios (src/HelmUnstick.Sandbox/Scenarios/*.json).

gitlab-cny: release gitlab-cny in namespace gitlab-cny, revisions 1232 (superseded), 1233 (deployed) and
1234 (stuck in pending-upgrade: helm died after updating two of the Deployments), as in the runbook.
healthy: the same release before the stuck upgrade, nothing pending.

Release Secrets are encoded as Helm 3 stores them: release JSON, gzip (best compression), base64;
in the Secret's JSON form data.release is the base64 of that string. Output is deterministic.
Python 3 standard library only. Run from anywhere: python3 scripts/make-demo-scenario.py
"""

import base64
import gzip
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "HelmUnstick.Sandbox" / "Scenarios"
RELEASE = "gitlab-cny"
NAMESPACE = "gitlab-cny"
UID_ROOT = uuid.UUID("6f1c2a4e-8d3b-4c55-9a7e-0b8f1e2d3c4a")

# (component, replicas); webservice is scaled by an HPA.
COMPONENTS = [
    ("webservice", 20),
    ("sidekiq", 8),
    ("gitlab-shell", 4),
    ("kas", 2),
    ("registry", 4),
    ("gitlab-pages", 2),
    ("mailroom", 1),
    ("gitlab-exporter", 1),
    ("toolbox", 1),
    ("workhorse", 3),
    ("spamcheck", 2),
    ("geo-logcursor", 1),
]
# Components the interrupted upgrade to 17.5.2 had already rolled out.
UPGRADED_BEFORE_CRASH = {"webservice", "sidekiq"}

FIRST_DEPLOYED = "2022-01-05T14:02:11.482913004Z"
CHARTS = {
    "8.5.1": "17.5.1",
    "8.5.2": "17.5.2",
}

USER_VALUES = {
    "global": {
        "hosts": {"domain": "cny.gitlab.example"},
        "psql": {"host": "patroni-main.db.internal", "password": "s3cr3t-demo"},
        "appConfig": {"object_store": {"enabled": True}},
    },
    "gitlab": {"webservice": {"hpa": {"minReplicas": 10, "maxReplicas": 30}}},
}


def uid(*parts):
    return str(uuid.uuid5(UID_ROOT, "/".join(parts)))


def unix(rfc3339):
    return str(int(datetime.strptime(rfc3339[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()))


def seconds(rfc3339):
    return rfc3339[:19] + "Z"


def go_json(value):
    """JSON as Go's encoding/json writes it: compact, HTML characters escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def b64(text):
    return base64.b64encode(text.encode()).decode()


def deployment_template(component):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ .Release.Name }}}}-{component}
  labels:
    app: {component}
    release: {{{{ .Release.Name }}}}
spec:
  replicas: {{{{ .Values.{component.replace('-', '_')}.replicas }}}}
  selector:
    matchLabels:
      app: {component}
      release: {{{{ .Release.Name }}}}
  template:
    metadata:
      labels:
        app: {component}
        release: {{{{ .Release.Name }}}}
    spec:
      containers:
        - name: {component}
          image: "registry.gitlab.com/gitlab-org/build/cng/{component}:v{{{{ .Chart.AppVersion }}}}"
"""


def manifest(chart_version, app_version):
    docs = [
        f"""---
# Source: gitlab/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: {RELEASE}-gitlab-config
  labels:
    app: gitlab
    chart: gitlab-{chart_version}
    release: {RELEASE}
    heritage: Helm
data:
  gitlab_version: "{app_version}"
  domain: "cny.gitlab.example"
"""
    ]
    for component, replicas in COMPONENTS:
        docs.append(
            f"""---
# Source: gitlab/charts/gitlab/charts/{component}/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {RELEASE}-{component}
  labels:
    app: {component}
    chart: {component}-{chart_version}
    release: {RELEASE}
    heritage: Helm
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {component}
      release: {RELEASE}
  template:
    metadata:
      labels:
        app: {component}
        release: {RELEASE}
    spec:
      containers:
        - name: {component}
          image: "registry.gitlab.com/gitlab-org/build/cng/{component}:v{app_version}"
"""
        )
    docs.append(
        f"""---
# Source: gitlab/charts/gitlab/charts/webservice/templates/hpa.yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {RELEASE}-webservice
  labels:
    app: webservice
    chart: webservice-{chart_version}
    release: {RELEASE}
    heritage: Helm
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {RELEASE}-webservice
  minReplicas: 10
  maxReplicas: 30
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 75
"""
    )
    return "".join(docs).rstrip("\n")


def release(revision, chart_version, status, description, last_deployed):
    app_version = CHARTS[chart_version]
    templates = [{"name": "templates/NOTES.txt", "data": b64("GitLab {{ .Chart.AppVersion }} is deployed at https://{{ .Values.global.hosts.domain }}.\n")}]
    templates.append({"name": "templates/configmap.yaml", "data": b64("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-gitlab-config\n")})
    templates += [{"name": f"charts/gitlab/charts/{c}/templates/deployment.yaml", "data": b64(deployment_template(c))} for c, _ in COMPONENTS]
    chart_values = {c.replace("-", "_"): {"replicas": r} for c, r in COMPONENTS}
    chart_values["global"] = {
        "hosts": {"domain": "example.com"},
        "psql": {"host": "", "password": ""},
        "appConfig": {"object_store": {"enabled": False}},
    }
    return {
        "name": RELEASE,
        "info": {
            "first_deployed": FIRST_DEPLOYED,
            "last_deployed": last_deployed,
            "deleted": "",
            "description": description,
            "status": status,
            "notes": f"GitLab {app_version} is deployed at https://cny.gitlab.example.\n",
        },
        "chart": {
            "metadata": {
                "name": "gitlab",
                "home": "https://about.gitlab.com/",
                "sources": ["https://gitlab.com/gitlab-org/charts/gitlab"],
                "version": chart_version,
                "description": "GitLab is the most comprehensive AI-powered DevSecOps Platform.",
                "keywords": ["gitlab"],
                "maintainers": [{"name": "GitLab Inc.", "email": "support@gitlab.com"}],
                "icon": "https://gitlab.com/gitlab-com/gitlab-artwork/raw/master/logo/logo-square.png",
                "apiVersion": "v2",
                "appVersion": app_version,
                "type": "application",
            },
            "lock": None,
            "templates": templates,
            "values": chart_values,
            "schema": None,
            "files": None,
        },
        "config": USER_VALUES,
        "manifest": manifest(chart_version, app_version),
        "version": revision,
        "namespace": NAMESPACE,
    }


def release_secret(revision, chart_version, status, description, last_deployed, labels, created):
    payload = go_json(release(revision, chart_version, status, description, last_deployed)).encode()
    compressed = bytearray(gzip.compress(payload, compresslevel=9, mtime=0))
    compressed[9] = 0xFF  # the OS byte Go's compress/gzip writes ("unknown"), as in Helm's own payloads
    helm_string = base64.b64encode(bytes(compressed))
    name = f"sh.helm.release.v1.{RELEASE}.v{revision}"
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": dict(sorted({"name": RELEASE, "owner": "helm", "status": status, "version": str(revision), **labels}.items())),
            "uid": uid("secret", name),
            "creationTimestamp": seconds(created),
        },
        "data": {"release": base64.b64encode(helm_string).decode()},
        "type": "helm.sh/release.v1",
    }
    return {"key": ["v1", NAMESPACE, "secrets", name], "obj": obj}


def deployment(component, replicas, app_version, chart_version, generation, available):
    name = f"{RELEASE}-{component}"
    transition = "2026-11-19T08:47:40Z"
    labels = {"app": component, "chart": f"{component}-{chart_version}", "heritage": "Helm", "release": RELEASE}
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": labels,
            "annotations": {
                "deployment.kubernetes.io/revision": str(generation),
                "meta.helm.sh/release-name": RELEASE,
                "meta.helm.sh/release-namespace": NAMESPACE,
            },
            "uid": uid("deployment", name),
            "creationTimestamp": seconds(FIRST_DEPLOYED),
            "generation": generation,
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": component, "release": RELEASE}},
            "template": {
                "metadata": {"labels": {"app": component, "release": RELEASE}},
                "spec": {
                    "containers": [
                        {"name": component, "image": f"registry.gitlab.com/gitlab-org/build/cng/{component}:v{app_version}"}
                    ]
                },
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        },
        "status": {
            "observedGeneration": generation,
            "replicas": available,
            "updatedReplicas": available,
            "readyReplicas": available,
            "availableReplicas": available,
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "lastUpdateTime": transition,
                    "lastTransitionTime": transition,
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": transition,
                    "lastTransitionTime": "2022-01-05T14:02:11Z",
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{name}-{uid("rs", name, app_version)[:10].replace("-", "")}" has successfully progressed.',
                },
            ],
        },
    }
    return {"key": ["apps/v1", NAMESPACE, "deployments", name], "obj": obj}


def hpa(current, chart_version):
    name = f"{RELEASE}-webservice"
    obj = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": {"app": "webservice", "chart": f"webservice-{chart_version}", "heritage": "Helm", "release": RELEASE},
            "annotations": {"meta.helm.sh/release-name": RELEASE, "meta.helm.sh/release-namespace": NAMESPACE},
            "uid": uid("hpa", name),
            "creationTimestamp": seconds(FIRST_DEPLOYED),
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 10,
            "maxReplicas": 30,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 75}}}],
        },
        "status": {
            "currentReplicas": current,
            "desiredReplicas": 20,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 71, "averageValue": "712m"}}}],
        },
    }
    return {"key": ["autoscaling/v2", NAMESPACE, "horizontalpodautoscalers", name], "obj": obj}


def configmap(app_version, chart_version):
    name = f"{RELEASE}-gitlab-config"
    obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "labels": {"app": "gitlab", "chart": f"gitlab-{chart_version}", "heritage": "Helm", "release": RELEASE},
            "annotations": {"meta.helm.sh/release-name": RELEASE, "meta.helm.sh/release-namespace": NAMESPACE},
            "uid": uid("configmap", name),
            "creationTimestamp": seconds(FIRST_DEPLOYED),
        },
        "data": {"domain": "cny.gitlab.example", "gitlab_version": app_version},
    }
    return {"key": ["v1", NAMESPACE, "configmaps", name], "obj": obj}


def namespace():
    obj = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": NAMESPACE,
            "labels": {"kubernetes.io/metadata.name": NAMESPACE},
            "uid": uid("namespace", NAMESPACE),
            "creationTimestamp": seconds(FIRST_DEPLOYED),
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }
    return {"key": ["v1", "", "namespaces", NAMESPACE], "obj": obj}


def scenario(stuck):
    deployed_1232 = "2026-11-17T10:21:04.511298411Z"
    deployed_1233 = "2026-11-19T08:45:12.093417752Z"
    finished_1233 = "2026-11-19T08:51:38.000000000Z"
    started_1234 = "2026-11-22T03:14:55.718204366Z"
    entries = [
        namespace(),
        release_secret(1232, "8.5.1", "superseded", "Upgrade complete", deployed_1232,
                       {"modifiedAt": unix(deployed_1233)}, deployed_1232),
        release_secret(1233, "8.5.1", "deployed", "Upgrade complete", deployed_1233,
                       {"modifiedAt": unix(finished_1233)}, deployed_1233),
    ]
    if stuck:
        # Helm 3 copies the previous revision's stale modifiedAt label into the new one.
        entries.append(release_secret(1234, "8.5.2", "pending-upgrade", "Preparing upgrade", started_1234,
                                      {"createdAt": unix(started_1234), "modifiedAt": unix(finished_1233)}, started_1234))
    entries.append(configmap("17.5.1", "8.5.1"))
    for component, replicas in COMPONENTS:
        upgraded = stuck and component in UPGRADED_BEFORE_CRASH
        available = replicas - 1 if component == "webservice" else replicas
        entries.append(deployment(
            component,
            replicas,
            "17.5.2" if upgraded else "17.5.1",
            "8.5.2" if upgraded else "8.5.1",
            48 if upgraded else 47,
            available,
        ))
    entries.append(hpa(19, "8.5.1"))
    return entries


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, stuck in (("gitlab-cny", True), ("healthy", False)):
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(scenario(stuck), indent=1) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
