#!/usr/bin/python3
"""Fidelity check of the Kubernetes API-server TEST DOUBLE against a real client: Debian's
`python3-kubernetes` (the official Python client) creates, updates with conflicts, lists by
label, watches (with a 410 after compaction), is refused by RBAC, authenticates with a client
certificate (CN as user, O as group; another CA's refused, no identity 401), and runs its own
leader election (ConfigMap lock) against the double. Run with /usr/bin/python3 (the Debian one).

Usage: kube_double_fidelity_test.py  (ctest runs it; exit 0 = pass)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

HERE = os.path.dirname(os.path.abspath(__file__))
ROLE = os.path.join(HERE, "..", "..", "deploy", "kubernetes", "role.yaml")
NS = "regent-test"


def wait_for(pred, timeout=20.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Double:
    """The double as a child process of the test, over a fresh test CA."""

    def __init__(self, role=None, subjects=None):
        self.dir = tempfile.mkdtemp(prefix="kube-double-")
        subprocess.run(["bash", os.path.join(HERE, "make_test_ca.sh"), self.dir], check=True)
        args = ["/usr/bin/python3", os.path.join(HERE, "kube_apiserver_double.py"),
                "--cert", os.path.join(self.dir, "server.crt"), "--key", os.path.join(self.dir, "server.key"),
                "--token-file", os.path.join(self.dir, "token"),
                "--port-file", os.path.join(self.dir, "port"), "--control-port-file", os.path.join(self.dir, "control"),
                "--bookmark-interval", "0.2"]
        if role:
            args += ["--role", role]
        if subjects is not None:
            args += ["--client-ca", os.path.join(self.dir, "ca.crt")]
            for subject in subjects:
                args += ["--subject", subject]
        with open(os.path.join(self.dir, "double.log"), "w") as log:
            self.proc = subprocess.Popen(args, stderr=log)
        self.port = int(wait_for(lambda: self.read("port"), what="the double's port"))
        self.control = int(wait_for(lambda: self.read("control"), what="the control port"))
        token = self.read("token")
        kubeconfig = {
            "apiVersion": "v1", "kind": "Config", "current-context": "test",
            "clusters": [{"name": "double", "cluster": {"server": "https://127.0.0.1:%d" % self.port,
                                                        "certificate-authority": os.path.join(self.dir, "ca.crt")}}],
            "users": [{"name": "sa", "user": {"token": token}}],
            "contexts": [{"name": "test", "context": {"cluster": "double", "user": "sa", "namespace": NS}}],
        }
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        with open(self.kubeconfig, "w") as f:
            json.dump(kubeconfig, f)  # JSON is YAML
        config.load_kube_config(self.kubeconfig)

    def client_for(self, user):
        """A CoreV1Api of its own (the default configuration untouched) for a kubeconfig user
        entry: {"client-certificate": ..., "client-key": ...}, {"token": ...} or {}."""
        kubeconfig = {
            "apiVersion": "v1", "kind": "Config", "current-context": "test",
            "clusters": [{"name": "double", "cluster": {"server": "https://127.0.0.1:%d" % self.port,
                                                        "certificate-authority": os.path.join(self.dir, "ca.crt")}}],
            "users": [{"name": "u", "user": user}],
            "contexts": [{"name": "test", "context": {"cluster": "double", "user": "u", "namespace": NS}}],
        }
        path = os.path.join(self.dir, "kubeconfig-%d" % len(os.listdir(self.dir)))
        with open(path, "w") as f:
            json.dump(kubeconfig, f)
        return client.CoreV1Api(config.new_client_from_config(path))

    def certificate(self, name):
        return {"client-certificate": os.path.join(self.dir, name + ".crt"),
                "client-key": os.path.join(self.dir, name + ".key")}

    def read(self, name):
        try:
            with open(os.path.join(self.dir, name)) as f:
                return f.read().strip()
        except OSError:
            return None

    def post(self, path, body):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.control, path), data=json.dumps(body).encode(),
                                     method="POST")
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class FidelityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.double = Double()
        cls.core = client.CoreV1Api()
        cls.coord = client.CoordinationV1Api()

    @classmethod
    def tearDownClass(cls):
        cls.double.close()

    def cm(self, name, data, labels=None):
        return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)

    def test_create_get_and_already_exists(self):
        made = self.core.create_namespaced_config_map(NS, self.cm("a", {"k": "v"}, {"app": "x"}))
        self.assertTrue(made.metadata.resource_version)
        self.assertTrue(made.metadata.uid)
        self.assertEqual(self.core.read_namespaced_config_map("a", NS).data, {"k": "v"})
        with self.assertRaises(ApiException) as e:
            self.core.create_namespaced_config_map(NS, self.cm("a", {}))
        self.assertEqual(e.exception.status, 409)
        self.assertEqual(json.loads(e.exception.body)["reason"], "AlreadyExists")
        with self.assertRaises(ApiException) as e:
            self.core.read_namespaced_config_map("missing", NS)
        self.assertEqual(e.exception.status, 404)
        self.assertEqual(json.loads(e.exception.body)["reason"], "NotFound")

    def test_update_with_a_stale_version_conflicts(self):
        first = self.core.create_namespaced_config_map(NS, self.cm("b", {"n": "1"}))
        first.data = {"n": "2"}
        second = self.core.replace_namespaced_config_map("b", NS, first)
        self.assertGreater(int(second.metadata.resource_version), int(first.metadata.resource_version))
        first.data = {"n": "3"}  # still carries the old resourceVersion
        with self.assertRaises(ApiException) as e:
            self.core.replace_namespaced_config_map("b", NS, first)
        self.assertEqual(e.exception.status, 409)
        self.assertEqual(json.loads(e.exception.body)["reason"], "Conflict")
        patched = self.core.patch_namespaced_config_map(
            "b", NS, {"metadata": {"resourceVersion": second.metadata.resource_version}, "data": {"m": "x"}})
        self.assertEqual(patched.data, {"n": "2", "m": "x"})
        with self.assertRaises(ApiException) as e:
            self.core.delete_namespaced_config_map(
                "b", NS, body=client.V1DeleteOptions(preconditions=client.V1Preconditions(
                    resource_version=second.metadata.resource_version)))
        self.assertEqual(e.exception.status, 409)
        self.core.delete_namespaced_config_map("b", NS, body=client.V1DeleteOptions(
            preconditions=client.V1Preconditions(resource_version=patched.metadata.resource_version)))

    def test_list_by_label(self):
        self.core.create_namespaced_config_map(NS, self.cm("l1", {}, {"app": "c1", "configmap-type": "high-availability"}))
        self.core.create_namespaced_config_map(NS, self.cm("l2", {}, {"app": "c2", "configmap-type": "high-availability"}))
        names = [i.metadata.name for i in
                 self.core.list_namespaced_config_map(NS, label_selector="app=c1,configmap-type=high-availability").items]
        self.assertEqual(names, ["l1"])

    def test_leases(self):
        lease = client.V1Lease(metadata=client.V1ObjectMeta(name="lease-a"),
                               spec=client.V1LeaseSpec(holder_identity="me", lease_duration_seconds=15,
                                                       lease_transitions=0))
        made = self.coord.create_namespaced_lease(NS, lease)
        self.assertEqual(made.spec.holder_identity, "me")
        made.spec.holder_identity = "you"
        self.coord.replace_namespaced_lease("lease-a", NS, made)
        with self.assertRaises(ApiException) as e:
            self.coord.replace_namespaced_lease("lease-a", NS, made)
        self.assertEqual(e.exception.status, 409)

    def test_watch_sees_changes_then_410_after_compaction(self):
        start = self.core.list_namespaced_config_map(NS).metadata.resource_version
        seen = []

        def run():
            w = watch.Watch()
            for ev in w.stream(self.core.list_namespaced_config_map, NS, resource_version=start,
                               field_selector="metadata.name=w", timeout_seconds=10):
                seen.append((ev["type"], ev["object"].data))
                if ev["type"] == "DELETED":
                    w.stop()

        t = threading.Thread(target=run)
        t.start()
        made = self.core.create_namespaced_config_map(NS, self.cm("w", {"v": "1"}))
        made.data = {"v": "2"}
        self.core.replace_namespaced_config_map("w", NS, made)
        self.core.delete_namespaced_config_map("w", NS)
        t.join(20)
        self.assertFalse(t.is_alive())
        self.assertEqual([s[0] for s in seen], ["ADDED", "MODIFIED", "DELETED"])
        self.assertEqual(seen[1][1], {"v": "2"})

        self.double.post("/compact", {})
        with self.assertRaises(ApiException) as e:
            for _ in watch.Watch().stream(self.core.list_namespaced_config_map, NS, resource_version=start,
                                          timeout_seconds=5):
                pass
        self.assertEqual(e.exception.status, 410)

    def test_injected_errors_reach_the_client(self):
        self.double.post("/faults", {"rules": [{"status": 500, "count": 1, "method": "GET"}]})
        with self.assertRaises(ApiException) as e:
            self.core.list_namespaced_config_map(NS)
        self.assertEqual(e.exception.status, 500)
        self.core.list_namespaced_config_map(NS)
        self.double.post("/faults", {})

    def test_client_leader_election_elects_one_and_fails_over(self):
        from kubernetes.leaderelection import electionconfig, leaderelection
        from kubernetes.leaderelection.resourcelock.configmaplock import ConfigMapLock

        leaders = []
        stop = {"a": False, "b": False}
        electors = {}

        def contend(identity):
            lock = ConfigMapLock("election", NS, identity)
            cfg = electionconfig.Config(lock, lease_duration=4, renew_deadline=3, retry_period=1,
                                        onstarted_leading=lambda: leaders.append(identity),
                                        onstopped_leading=lambda: None)
            electors[identity] = leaderelection.LeaderElection(cfg)
            # The client's elector renews forever; make its renewal fail once stop is set.
            orig = lock.update

            def update(name, namespace, record):
                if stop[identity]:
                    return False
                return orig(name, namespace, record)

            lock.update = update
            electors[identity].run()

        ta = threading.Thread(target=contend, args=("a",), daemon=True)
        ta.start()
        wait_for(lambda: leaders == ["a"], what="a to lead")
        tb = threading.Thread(target=contend, args=("b",), daemon=True)
        tb.start()
        stop["a"] = True  # a can no longer renew: b must take over once the lease runs out
        wait_for(lambda: "b" in leaders, what="b to take over")
        self.assertEqual(leaders, ["a", "b"])
        cmap = self.core.read_namespaced_config_map("election", NS)
        record = json.loads(cmap.metadata.annotations["control-plane.alpha.kubernetes.io/leader"])
        self.assertEqual(record["holderIdentity"], "b")
        stop["b"] = True


class RbacTest(unittest.TestCase):
    def test_the_shipped_role_refuses_what_it_does_not_grant(self):
        d = Double(role=ROLE)
        try:
            core = client.CoreV1Api()
            core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="r")))
            with self.assertRaises(ApiException) as e:
                core.list_namespaced_secret(NS)
            self.assertIn(e.exception.status, (403, 404))
            with self.assertRaises(ApiException) as e:
                core.delete_collection_namespaced_config_map(NS)
            self.assertEqual(e.exception.status, 403)
            self.assertEqual(json.loads(e.exception.body)["reason"], "Forbidden")
        finally:
            d.close()


class ClientCertificateTest(unittest.TestCase):
    """kube-apiserver's x509 authentication: the CN is the user, the O entries its groups."""

    def test_a_certificate_of_the_cluster_ca_in_a_bound_group_may_do_what_the_role_grants(self):
        d = Double(role=ROLE, subjects=["Group:regent-ha"])
        try:
            core = d.client_for(d.certificate("client"))
            core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="by-cert"),
                                                                     data={"k": "v"}))
            self.assertEqual(core.read_namespaced_config_map("by-cert", NS).data, {"k": "v"})
            with self.assertRaises(ApiException) as e:
                core.delete_collection_namespaced_config_map(NS)
            self.assertEqual(e.exception.status, 403)
            self.assertIn('User "regent-client"', json.loads(e.exception.body)["message"])
        finally:
            d.close()

    def test_an_unbound_user_is_forbidden_and_no_identity_is_unauthorized(self):
        d = Double(role=ROLE, subjects=["User:somebody-else"])
        try:
            with self.assertRaises(ApiException) as e:
                d.client_for(d.certificate("client")).read_namespaced_config_map("x", NS)
            self.assertEqual(e.exception.status, 403)
            with self.assertRaises(ApiException) as e:
                d.client_for({}).read_namespaced_config_map("x", NS)
            self.assertEqual(e.exception.status, 401)
            self.assertEqual(json.loads(e.exception.body)["reason"], "Unauthorized")
        finally:
            d.close()

    def test_a_certificate_of_another_ca_is_refused(self):
        d = Double(role=ROLE, subjects=["Group:regent-ha"])
        try:
            core = d.client_for(d.certificate("other-client"))
            # The double refuses it in the TLS handshake (kube-apiserver: 401); never served.
            with self.assertRaises(Exception) as e:
                core.read_namespaced_config_map("x", NS, _request_timeout=10)
            if isinstance(e.exception, ApiException) and e.exception.status:
                self.assertEqual(e.exception.status, 401)
        finally:
            d.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
