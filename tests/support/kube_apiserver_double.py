#!/usr/bin/env python3
"""A TEST DOUBLE of the Kubernetes API server, for Regent's tests (there is no kube-apiserver on
these machines). It is not Kubernetes: it serves only what Regent's `kubernetes` HA backend and
the fidelity test use, with the semantics they rely on.

Serves over real HTTPS (certificate and key given; tests make a CA with `openssl`) and
authenticates as kube-apiserver does: `Authorization: Bearer <token>` against a token file
re-read on every request (so a test can rotate it) — the service account `regent` — or, with
`--client-ca`, a client certificate verified against that CA: the user is its CN, its groups its
O entries (bound to the Role when a `--subject User:NAME` / `Group:NAME` names them, else 403).
No identity is 401. (A certificate of another CA fails the TLS handshake here; kube-apiserver
answers 401. Either way the client is refused.)

- ConfigMaps `/api/v1/namespaces/{ns}/configmaps[/{name}]` and Leases
  `/apis/coordination.k8s.io/v1/namespaces/{ns}/leases[/{name}]`: create (POST, 409
  AlreadyExists), get (404 NotFound), list (labelSelector `k=v,...`, fieldSelector
  `metadata.name=x`), update (PUT; a `metadata.resourceVersion` other than the stored one is 409
  Conflict), merge-patch (PATCH, conditional on a resourceVersion in the patch), delete (with
  `preconditions` resourceVersion / uid), deletecollection by labelSelector;
- one global resourceVersion counter; the real `Status` bodies;
- watches (`watch=1|true`, `resourceVersion`, `allowWatchBookmarks`, `timeoutSeconds`): a
  chunked stream of newline-delimited events with BOOKMARKs; a resourceVersion older than the
  last compaction gets an ERROR event carrying a 410 Gone `Status`;
- a ConfigMap's `data` + `binaryData` is limited to 1 MiB (422 Invalid), annotations to 256 KiB;
- RBAC: with `--role FILE` (a Role manifest, lists in flow style) a verb/resource the Role does
  not grant is 403 Forbidden;
- `--data FILE` keeps the objects and the counter across a restart of the double.

Fault injection is driven by the test through a plain-HTTP control port on 127.0.0.1
(`--control-port-file`), JSON in and out:

    POST /faults {"latency_ms": 50}                       delay every API request
    POST /faults {"rules": [{"status": 500, "count": 2, "method": "PUT", "path": "leases",
                             "apply": true}]}           answer 429/500/504/... (applied first if "apply")
    POST /faults {"rules": [{"drop": true, "count": 1, "apply": true}]}
                                                          apply the request, then cut the connection
    POST /faults {"unreachable": true}                    refuse every API request (cut at once)
    POST /faults {"freeze_watches": true}                 open watches send nothing (a client falls behind)
    POST /faults {}                                       clear every fault
    POST /faults {"rules": [{"hold": true, "method": "PUT", "path": "-ha-3"}]}
                                                          hold the request before applying it until /release
    POST /release                                         let every held request go on
    POST /patch {"resource": "configmaps", "namespace": ns, "name": n, "patch": {...}}
                                                          merge-patch an object as another client would
    POST /cut-watches                                     end every open watch stream abruptly
    POST /compact                                         forget the event history (410 for older versions)
    GET  /objects                                         every stored object
    GET  /stats                                           request counts by verb
"""

import argparse
import bisect
import copy
import http.server
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone

CONFIGMAP_LIMIT = 1024 * 1024
ANNOTATION_LIMIT = 256 * 1024

KINDS = {
    # (group path prefix, resource) -> (apiVersion, kind, group)
    ("api/v1", "configmaps"): ("v1", "ConfigMap", ""),
    ("apis/coordination.k8s.io/v1", "leases"): ("coordination.k8s.io/v1", "Lease", "coordination.k8s.io"),
}

PATH_RE = re.compile(r"^/(api/v1|apis/coordination\.k8s\.io/v1)/namespaces/([^/]+)/([^/]+)(?:/([^/]+))?$")


def now_rfc3339():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_body(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    if details:
        body["details"] = details
    return body


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code = code
        self.body = status_body(code, reason, message, details)


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def parse_role(path):
    """The rules of a Role manifest whose lists are in flow style (`verbs: [get, list]`)."""
    rules = []
    rule = None
    for line in open(path, encoding="utf-8"):
        s = line.split("#", 1)[0].rstrip()
        m = re.match(r"^\s*(-\s+)?(apiGroups|resources|verbs|resourceNames)\s*:\s*\[(.*)\]\s*$", s)
        if not m:
            continue
        if m.group(1) or rule is None:
            rule = {}
            rules.append(rule)
        items = [i.strip().strip("\"'") for i in m.group(3).split(",") if i.strip()]
        rule[m.group(2)] = items
    return rules


def role_allows(rules, group, resource, verb, name):
    for r in rules:
        if group not in r.get("apiGroups", []) and "*" not in r.get("apiGroups", []):
            continue
        if resource not in r.get("resources", []) and "*" not in r.get("resources", []):
            continue
        if verb not in r.get("verbs", []) and "*" not in r.get("verbs", []):
            continue
        names = r.get("resourceNames")
        if names and name not in names:
            continue
        return True
    return False


def label_match(obj, selector):
    if not selector:
        return True
    labels = obj["metadata"].get("labels") or {}
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k) == v:
                return False
        elif "=" in term:
            k, v = term.split("=", 1)
            k = k.rstrip("=")
            v = v.lstrip("=")
            if labels.get(k) != v:
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def field_match(obj, selector):
    if not selector:
        return True
    for term in selector.split(","):
        k, _, v = term.partition("=")
        v = v.lstrip("=")
        if k == "metadata.name" and obj["metadata"]["name"] != v:
            return False
        if k == "metadata.namespace" and obj["metadata"].get("namespace") != v:
            return False
    return True


class Store:
    """Objects, the global resourceVersion counter and the event history. One lock."""

    def __init__(self, data_file):
        self.cv = threading.Condition()
        self.objects = {}  # (prefix, resource, ns, name) -> object
        self.rv = 0
        self.events = []  # (rv, prefix, resource, ns, type, object)
        self.compacted = 0
        self.data_file = data_file
        self.watch_generation = 0  # bumped to cut every watch
        if data_file and os.path.exists(data_file):
            with open(data_file, encoding="utf-8") as f:
                saved = json.load(f)
            self.rv = saved["rv"]
            self.compacted = self.rv  # a restarted server has no history
            for o in saved["objects"]:
                self.objects[tuple(o["key"])] = o["object"]

    def save(self):
        if not self.data_file:
            return
        tmp = self.data_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            # No fsync: the data must survive a kill of the double, not of the machine.
            json.dump({"rv": self.rv, "objects": [{"key": list(k), "object": v} for k, v in self.objects.items()]}, f)
        os.replace(tmp, self.data_file)

    def record(self, key, type_, obj):
        self.events.append((self.rv, key[0], key[1], key[2], type_, copy.deepcopy(obj)))
        if len(self.events) > 10000:
            drop = len(self.events) - 5000
            self.compacted = self.events[drop - 1][0]
            del self.events[:drop]
        self.save()
        self.cv.notify_all()

    def since(self, rv, matches):
        """The events after `rv` that `matches`, oldest first (events are kept in rv order)."""
        start = bisect.bisect_right(self.events, rv, key=lambda e: e[0])
        return [e for e in self.events[start:] if matches(e)]

    def compact(self):
        with self.cv:
            self.compacted = self.rv
            self.events = []

    def cut_watches(self):
        with self.cv:
            self.watch_generation += 1
            self.cv.notify_all()


def check_size(kind, name, obj):
    meta = obj.get("metadata", {})
    ann = sum(len(k) + len(v or "") for k, v in (meta.get("annotations") or {}).items())
    if ann > ANNOTATION_LIMIT:
        raise ApiError(422, "Invalid", '%s "%s" is invalid: metadata.annotations: Too long: must have at most %d bytes'
                       % (kind, name, ANNOTATION_LIMIT), {"name": name, "kind": kind.lower() + "s"})
    if kind == "ConfigMap":
        size = sum(len(k) + len(v or "") for k, v in (obj.get("data") or {}).items())
        size += sum(len(k) + len(v or "") for k, v in (obj.get("binaryData") or {}).items())
        if size > CONFIGMAP_LIMIT:
            raise ApiError(422, "Invalid", 'ConfigMap "%s" is invalid: []: Too long: must have at most %d bytes'
                           % (name, CONFIGMAP_LIMIT), {"name": name, "kind": "configmaps"})


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = 0.0
        self.rules = []
        self.unreachable = False
        self.freeze_watches = False
        self.counts = {}
        self.released = threading.Event()
        self.held = 0

    def configure(self, spec):
        with self.lock:
            self.latency = spec.get("latency_ms", 0) / 1000.0
            self.rules = [dict(r) for r in spec.get("rules", [])]
            self.unreachable = bool(spec.get("unreachable", False))
            self.freeze_watches = bool(spec.get("freeze_watches", False))
            self.released = threading.Event()

    def hold(self):
        """Blocks a request until the test releases it (counted in /stats as "held")."""
        with self.lock:
            self.held += 1
            self.counts["held"] = self.held
            event = self.released
        event.wait(60)

    def release(self):
        with self.lock:
            self.released.set()

    def take(self, method, path):
        """The first rule matching this request, its count consumed; or None."""
        with self.lock:
            for r in self.rules:
                if r.get("count", 1) <= 0:
                    continue
                if r.get("method") and r["method"] != method:
                    continue
                if r.get("path") and r["path"] not in path:
                    continue
                if r.get("watch") is not None and r["watch"] != ("watch=" in path):
                    continue
                r["count"] = r.get("count", 1) - 1
                return r
            return None

    def count(self, verb):
        with self.lock:
            self.counts[verb] = self.counts.get(verb, 0) + 1


class Dropped(Exception):
    """The request was handled; its answer is to be lost with the connection."""


def make_handler(store, faults, token_file, rules, bookmark_interval, subjects=()):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # The TLS handshake runs here, on the connection's own thread, not in accept().
            self.broken = False
            self.peer = None
            try:
                self.connection.do_handshake()
                self.peer = self.connection.getpeercert()
            except (ssl.SSLError, OSError):
                self.broken = True

        def handle(self):
            # Headers and body go out in separate writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold every answer for 40 ms. (Set before the connection's
            # requests are handled: super().handle() serves them all.)
            try:
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            if not self.broken:
                super().handle()

        def log_message(self, fmt, *args):
            if os.environ.get("KUBE_DOUBLE_LOG"):
                sys.stderr.write("kube-double: " + (fmt % args) + "\n")

        def do_GET(self):
            self.handle_api("GET")

        def do_POST(self):
            self.handle_api("POST")

        def do_PUT(self):
            self.handle_api("PUT")

        def do_PATCH(self):
            self.handle_api("PATCH")

        def do_DELETE(self):
            self.handle_api("DELETE")

        def cut(self):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def send_json(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def read_raw_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        @staticmethod
        def parse_body(raw):
            if not raw:
                return None
            try:
                return json.loads(raw)
            except ValueError:
                raise ApiError(400, "BadRequest", "the body is not JSON")

        def identity(self, ns):
            """(user, groups, bound) of the request, or None (401): a bearer token from the token
            file is the service account `regent` of the namespace, bound to the Role; a client
            certificate (verified against --client-ca in the handshake) is the user of its CN in
            the groups of its O entries, bound when a --subject names the user or a group."""
            try:
                with open(token_file, encoding="utf-8") as f:
                    tokens = {t.strip() for t in f if t.strip()}
            except OSError:
                tokens = set()
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer ") and auth[len("Bearer "):].strip() in tokens:
                return "system:serviceaccount:%s:regent" % ns, ["system:serviceaccounts"], True
            if self.peer:
                fields = [kv for rdn in self.peer.get("subject", ()) for kv in rdn]
                user = next((v for k, v in fields if k == "commonName"), None)
                groups = [v for k, v in fields if k == "organizationName"]
                if user:
                    bound = "User:" + user in subjects or any("Group:" + g in subjects for g in groups)
                    return user, groups, bound
            return None

        def handle_api(self, method):
            if faults.unreachable:
                self.cut()
                return
            if faults.latency:
                time.sleep(faults.latency)
            body = None
            try:
                # The body is read first, whatever the answer: left unread it would be taken for
                # the next request on the connection.
                raw = self.read_raw_body() if method in ("POST", "PUT", "PATCH", "DELETE") else b""
                url = urllib.parse.urlsplit(self.path)
                ns_in_path = re.match(r"^/api(?:s/[^/]+)?/v1/namespaces/([^/]+)/", url.path)
                who = self.identity(ns_in_path.group(1) if ns_in_path else "default")
                if who is None:
                    raise ApiError(401, "Unauthorized", "Unauthorized")
                if url.path == "/version":
                    self.send_json(200, {"major": "1", "minor": "28", "gitVersion": "v1.28.0-regent-test-double"})
                    return
                m = PATH_RE.match(url.path)
                if not m or (m.group(1), m.group(3)) not in KINDS:
                    raise ApiError(404, "NotFound", "the server could not find the requested resource")
                prefix, ns, resource, name = m.groups()
                api_version, kind, group = KINDS[(prefix, resource)]
                q = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
                watch = q.get("watch", "").lower() in ("1", "true")
                verb = {"GET": "get" if name else ("watch" if watch else "list"), "POST": "create", "PUT": "update",
                        "PATCH": "patch", "DELETE": "delete" if name else "deletecollection"}[method]
                if rules is not None and not (who[2] and role_allows(rules, group, resource, verb, name)):
                    raise ApiError(403, "Forbidden",
                                   'User "%s" cannot %s resource "%s" in API group "%s" in '
                                   'the namespace "%s"' % (who[0], verb, resource, group, ns),
                                   {"name": name or "", "group": group, "kind": resource})
                body = self.parse_body(raw)
                faults.count(verb)
                rule = faults.take(method, self.path)
                if rule and rule.get("hold"):
                    faults.hold()
                    rule = None
                if rule and not rule.get("apply") and not rule.get("drop"):
                    raise ApiError(rule["status"], rule.get("reason", "InternalError"),
                                   rule.get("message", "injected by the test double"))
                if rule and rule.get("drop") and not rule.get("apply"):
                    self.cut()
                    return
                if watch:
                    self.watch(prefix, resource, ns, api_version, kind, q, rule)
                    return
                code, out = self.apply(method, prefix, resource, ns, name, api_version, kind, q, body)
                if rule and rule.get("drop"):
                    self.cut()
                    return
                if rule:
                    raise ApiError(rule["status"], rule.get("reason", "InternalError"),
                                   rule.get("message", "injected by the test double (the request was applied)"))
                self.send_json(code, out)
            except ApiError as e:
                self.send_json(e.code, e.body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True

        def apply(self, method, prefix, resource, ns, name, api_version, kind, q, body):
            with store.cv:
                if method == "GET" and name:
                    return 200, self.existing(prefix, resource, ns, name, kind)
                if method == "GET":
                    items = [copy.deepcopy(o) for k, o in sorted(store.objects.items())
                             if k[0] == prefix and k[1] == resource and k[2] == ns
                             and label_match(o, q.get("labelSelector")) and field_match(o, q.get("fieldSelector"))]
                    return 200, {"kind": kind + "List", "apiVersion": api_version,
                                 "metadata": {"resourceVersion": str(store.rv)}, "items": items}
                if method == "POST":
                    if not isinstance(body, dict):
                        raise ApiError(400, "BadRequest", "no object in the body")
                    meta = body.setdefault("metadata", {})
                    if not meta.get("name") and meta.get("generateName"):
                        meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
                    n = meta.get("name")
                    if not n:
                        raise ApiError(422, "Invalid", "%s is invalid: metadata.name: Required value" % kind)
                    key = (prefix, resource, ns, n)
                    if key in store.objects:
                        raise ApiError(409, "AlreadyExists", '%s "%s" already exists' % (resource, n),
                                       {"name": n, "kind": resource})
                    check_size(kind, n, body)
                    store.rv += 1
                    body["apiVersion"] = api_version
                    body["kind"] = kind
                    meta.update({"namespace": ns, "uid": str(uuid.uuid4()), "resourceVersion": str(store.rv),
                                 "creationTimestamp": now_rfc3339()})
                    meta.pop("generateName", None)
                    store.objects[key] = body
                    store.record(key, "ADDED", body)
                    return 201, body
                key = (prefix, resource, ns, name)
                cur = self.existing(prefix, resource, ns, name, kind)
                if method in ("PUT", "PATCH"):
                    if not isinstance(body, dict):
                        raise ApiError(400, "BadRequest", "no object in the body")
                    want = (body.get("metadata") or {}).get("resourceVersion")
                    if want and want != cur["metadata"]["resourceVersion"]:
                        raise ApiError(409, "Conflict",
                                       'Operation cannot be fulfilled on %s "%s": the object has been modified; please '
                                       'apply your changes to the latest version and try again' % (resource, name),
                                       {"name": name, "kind": resource})
                    new = body if method == "PUT" else merge_patch(cur, body)
                    meta = new.setdefault("metadata", {})
                    if meta.get("name", name) != name:
                        raise ApiError(400, "BadRequest", "the name of the object (%s) does not match the name on the "
                                       "URL (%s)" % (meta.get("name"), name))
                    check_size(kind, name, new)
                    store.rv += 1
                    new["apiVersion"] = api_version
                    new["kind"] = kind
                    for f in ("uid", "creationTimestamp"):
                        meta[f] = cur["metadata"][f]
                    meta.update({"name": name, "namespace": ns, "resourceVersion": str(store.rv)})
                    store.objects[key] = new
                    store.record(key, "MODIFIED", new)
                    return 200, new
                # DELETE
                pre = (body or {}).get("preconditions") or {}
                if pre.get("resourceVersion") and pre["resourceVersion"] != cur["metadata"]["resourceVersion"]:
                    raise ApiError(409, "Conflict",
                                   'Operation cannot be fulfilled on %s "%s": Precondition failed: ResourceVersion in '
                                   'precondition: %s, ResourceVersion in object meta: %s'
                                   % (resource, name, pre["resourceVersion"], cur["metadata"]["resourceVersion"]),
                                   {"name": name, "kind": resource})
                if pre.get("uid") and pre["uid"] != cur["metadata"]["uid"]:
                    raise ApiError(409, "Conflict",
                                   'Operation cannot be fulfilled on %s "%s": Precondition failed: UID in precondition: '
                                   '%s, UID in object meta: %s' % (resource, name, pre["uid"], cur["metadata"]["uid"]),
                                   {"name": name, "kind": resource})
                del store.objects[key]
                store.rv += 1
                gone = copy.deepcopy(cur)
                gone["metadata"]["resourceVersion"] = str(store.rv)
                store.record(key, "DELETED", gone)
                return 200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "details": {"name": name, "kind": resource, "uid": cur["metadata"]["uid"]}}

        def existing(self, prefix, resource, ns, name, kind):
            o = store.objects.get((prefix, resource, ns, name))
            if o is None:
                raise ApiError(404, "NotFound", '%s "%s" not found' % (resource, name),
                               {"name": name, "kind": resource})
            return o if self.command != "GET" else copy.deepcopy(o)

        def watch(self, prefix, resource, ns, api_version, kind, q, rule):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.close_connection = True
            bookmarks = q.get("allowWatchBookmarks", "").lower() in ("1", "true")
            timeout = float(q.get("timeoutSeconds") or 3600)
            end = time.monotonic() + timeout

            def chunk(obj):
                data = (json.dumps(obj) + "\n").encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def matches(ev):
                return (ev[1] == prefix and ev[2] == resource and ev[3] == ns
                        and label_match(ev[5], q.get("labelSelector")) and field_match(ev[5], q.get("fieldSelector")))

            try:
                with store.cv:
                    generation = store.watch_generation
                    rv_text = q.get("resourceVersion", "")
                    if rv_text in ("", "0"):
                        since = store.rv
                        initial = [copy.deepcopy(o) for k, o in sorted(store.objects.items())
                                   if k[0] == prefix and k[1] == resource and k[2] == ns
                                   and label_match(o, q.get("labelSelector")) and field_match(o, q.get("fieldSelector"))]
                    else:
                        try:
                            since = int(rv_text)
                        except ValueError:
                            raise ApiError(400, "BadRequest", "invalid resourceVersion %r" % rv_text)
                        initial = []
                        if since < store.compacted:
                            faults.count("gone")
                            chunk({"type": "ERROR", "object": status_body(
                                410, "Expired", "too old resource version: %d (%d)" % (since, store.compacted))})
                            self.wfile.write(b"0\r\n\r\n")
                            return
                for o in initial:
                    chunk({"type": "ADDED", "object": o})
                last_bookmark = time.monotonic()
                while True:
                    with store.cv:
                        # The freeze is read with the events, under the store's lock: events taken
                        # while frozen are never sent after a thaw that followed a compaction (the
                        # client must come back with its old version and get 410), and a frozen
                        # watch waits rather than spinning over events it may not send.
                        pending = store.since(since, matches)
                        frozen = faults.freeze_watches
                        if not pending or frozen:
                            store.cv.wait(0.1)
                            pending = store.since(since, matches)
                            frozen = faults.freeze_watches
                        cut = store.watch_generation != generation
                        current = store.rv
                        if since < store.compacted and not pending:
                            cut = True  # history gone under an open watch: the client re-lists on reconnect
                    if cut or faults.unreachable:
                        self.cut()
                        return
                    if frozen:
                        continue
                    for e in pending:
                        chunk({"type": e[4], "object": e[5]})
                        since = e[0]
                    if bookmarks and time.monotonic() - last_bookmark >= bookmark_interval:
                        chunk({"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version,
                                                               "metadata": {"resourceVersion": str(current)}}})
                        faults.count("bookmark")
                        since = max(since, current)
                        last_bookmark = time.monotonic()
                    if time.monotonic() >= end:
                        self.wfile.write(b"0\r\n\r\n")
                        return
            except ApiError as e:
                chunk({"type": "ERROR", "object": e.body})
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                pass

    return Handler


def make_control_handler(store, faults):
    class Control(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, body):
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/objects":
                with store.cv:
                    self.reply({"resourceVersion": store.rv, "items": list(copy.deepcopy(store.objects).values())})
            elif self.path == "/stats":
                with faults.lock:
                    self.reply(dict(faults.counts))
            else:
                self.send_error(404)

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            spec = json.loads(self.rfile.read(n) or b"{}")
            if self.path == "/faults":
                faults.configure(spec)
            elif self.path == "/cut-watches":
                store.cut_watches()
            elif self.path == "/compact":
                store.compact()
            elif self.path == "/release":
                faults.release()
            elif self.path == "/patch":
                prefix = "api/v1" if spec["resource"] == "configmaps" else "apis/coordination.k8s.io/v1"
                key = (prefix, spec["resource"], spec["namespace"], spec["name"])
                with store.cv:
                    if key not in store.objects:
                        self.send_error(404)
                        return
                    new = merge_patch(store.objects[key], spec["patch"])
                    store.rv += 1
                    new["metadata"]["resourceVersion"] = str(store.rv)
                    store.objects[key] = new
                    store.record(key, "MODIFIED", new)
            else:
                self.send_error(404)
                return
            self.reply({"ok": True})

    return Control


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--control-port-file")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--role", help="a Role manifest to enforce (403 for what it does not grant)")
    p.add_argument("--client-ca", help="ask for a client certificate and verify it against this CA")
    p.add_argument("--subject", action="append", default=[],
                   help="User:NAME or Group:NAME bound to the Role besides the token's service account")
    p.add_argument("--data", help="keep objects here across restarts")
    p.add_argument("--bookmark-interval", type=float, default=1.0)
    a = p.parse_args()

    store = Store(a.data)
    faults = Faults()
    rules = parse_role(a.role) if a.role else None
    api = Server(("127.0.0.1", a.port),
                 make_handler(store, faults, a.token_file, rules, a.bookmark_interval, set(a.subject)))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.client_ca:
        # Python cannot ask for a certificate without verifying it: one from another CA fails the
        # handshake here, where kube-apiserver completes it and answers 401.
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(a.client_ca)
    api.socket = ctx.wrap_socket(api.socket, server_side=True, do_handshake_on_connect=False)
    control = Server(("127.0.0.1", 0), make_control_handler(store, faults))
    threading.Thread(target=control.serve_forever, daemon=True).start()
    if a.control_port_file:
        write_port(a.control_port_file, control.server_address[1])
    if a.port_file:
        write_port(a.port_file, api.server_address[1])
    sys.stderr.write("kube-apiserver test double on https://127.0.0.1:%d\n" % api.server_address[1])
    sys.stderr.flush()
    try:
        api.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
