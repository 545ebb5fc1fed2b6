#!/usr/bin/python3
"""bin/kubernetes-manifests.sh renders valid manifests from a conf dir: the jobmanager
Deployment's replicas are kubernetes.jobmanager.replicas, its pods advertise their pod IP, the
Role is deploy/kubernetes/role.yaml (the file the API-server test double enforces), and a conf
dir that is not for Kubernetes is refused with exit code 2 naming the file and key."""

import os
import subprocess
import tempfile
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(ROOT, "bin", "kubernetes-manifests.sh")


def render(config, *args):
    with tempfile.TemporaryDirectory(prefix="kube-manifests-") as d:
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write(config)
        return subprocess.run(["bash", SCRIPT, "--conf-dir", d, *args], capture_output=True, text=True, timeout=60)


class ManifestsTest(unittest.TestCase):
    def test_nested_conf_renders_every_object(self):
        r = render("high-availability:\n  type: kubernetes\n  storageDir: file:///ha\n"
                   "kubernetes:\n  cluster-id: demo\n  namespace: flink\n  jobmanager:\n    replicas: 3\n"
                   "rest.port: 8081\n", "--image", "example/regent:1", "--taskmanagers", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = [d for d in yaml.safe_load_all(r.stdout) if d]
        by_kind = {}
        for d in docs:
            by_kind.setdefault(d["kind"], []).append(d)
        for kind in ("ServiceAccount", "Role", "RoleBinding", "ConfigMap", "PersistentVolumeClaim", "Deployment",
                     "Service"):
            self.assertIn(kind, by_kind)
        for d in docs:
            self.assertEqual(d["metadata"]["namespace"], "flink")
        jm = [d for d in by_kind["Deployment"] if d["metadata"]["name"] == "regent-demo-jobmanager"][0]
        self.assertEqual(jm["spec"]["replicas"], 3)
        pod = jm["spec"]["template"]["spec"]
        self.assertEqual(pod["serviceAccountName"], "regent-demo")
        c = pod["containers"][0]
        self.assertEqual(c["image"], "example/regent:1")
        self.assertIn("jobmanager.rpc.address=$(POD_IP)", c["args"])
        self.assertEqual(c["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP")
        self.assertEqual(c["readinessProbe"]["tcpSocket"]["port"], 8081)
        self.assertIn({"name": "ha-storage", "mountPath": "/ha"}, c["volumeMounts"])
        tm = [d for d in by_kind["Deployment"] if d["metadata"]["name"] == "regent-demo-taskmanager"][0]
        self.assertEqual(tm["spec"]["replicas"], 2)
        with open(os.path.join(ROOT, "deploy", "kubernetes", "role.yaml")) as f:
            shipped = yaml.safe_load(f)
        self.assertEqual(by_kind["Role"][0]["rules"], shipped["rules"])
        conf = yaml.safe_load(by_kind["ConfigMap"][0]["data"]["config.yaml"])
        self.assertEqual(conf["high-availability"]["type"], "kubernetes")
        self.assertEqual({s["metadata"]["name"] for s in by_kind["Service"]}, {"regent-demo-rest", "regent-demo-rpc"})

    def test_flat_conf_defaults_to_one_replica_and_the_ha_cluster_id(self):
        r = render("high-availability.type: kubernetes\nhigh-availability.storageDir: /ha\n"
                   "high-availability.cluster-id: c1\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        jm = [d for d in yaml.safe_load_all(r.stdout) if d and d["kind"] == "Deployment"][0]
        self.assertEqual(jm["metadata"]["name"], "regent-c1-jobmanager")
        self.assertEqual(jm["spec"]["replicas"], 1)

    def test_a_conf_not_for_kubernetes_is_refused_naming_file_and_key(self):
        r = render("high-availability.type: zookeeper\nhigh-availability.storageDir: /ha\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("config.yaml", r.stderr)
        self.assertIn("high-availability.type", r.stderr)
        r = render("high-availability.type: kubernetes\nhigh-availability.storageDir: /ha\n"
                   "kubernetes.jobmanager.replicas: two\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("kubernetes.jobmanager.replicas", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
