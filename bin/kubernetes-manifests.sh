#!/usr/bin/env bash
# Renders the Kubernetes manifests of a Regent cluster with `kubernetes` HA from a conf dir
# (deploy/kubernetes/README.md): ServiceAccount + Role (deploy/kubernetes/role.yaml, exactly the
# verbs the backend uses) + RoleBinding, the configuration as a ConfigMap, a PersistentVolumeClaim
# for high-availability.storageDir, the jobmanager Deployment (replicas from
# kubernetes.jobmanager.replicas, the pod IP as RPC and REST address, readiness on the REST
# port), the taskmanager Deployment, and Services for REST and RPC. Prints them to stdout.
#
#   bin/kubernetes-manifests.sh [--conf-dir DIR] [--image IMAGE] [--taskmanagers N] [--storage-class CLASS]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
conf_dir=${REGENT_CONF_DIR:-$root/conf}
image=regent:latest
taskmanagers=1
storage_class=""
while [ $# -gt 0 ]; do
  case "$1" in
    --conf-dir) conf_dir=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --taskmanagers) taskmanagers=$2; shift 2 ;;
    --storage-class) storage_class=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "kubernetes-manifests.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
config="$conf_dir/config.yaml"
[ -r "$config" ] || { echo "kubernetes-manifests.sh: cannot read $config" >&2; exit 2; }

# The configuration as flat `key: value` lines (nested YAML maps joined with '.').
flat=$(awk '
  /^[[:space:]]*(#|$)/ { next }
  {
    line = $0; sub(/[[:space:]]+#.*$/, "", line)
    match(line, /^[ ]*/); indent = RLENGTH
    rest = substr(line, indent + 1)
    colon = index(rest, ":"); if (colon == 0) next
    key = substr(rest, 1, colon - 1); value = substr(rest, colon + 1)
    gsub(/^[[:space:]]+|[[:space:]]+$/, "", value)
    while (depth > 0 && indents[depth] >= indent) depth--
    prefix = ""; for (i = 1; i <= depth; i++) prefix = prefix keys[i] "."
    if (value == "") { depth++; indents[depth] = indent; keys[depth] = key }
    else { gsub(/^["\x27]|["\x27]$/, "", value); print prefix key ": " value }
  }' "$config")
get() { printf '%s\n' "$flat" | awk -v k="$1" -F': ' '$1 == k { v = substr($0, length(k) + 3) } END { print v }'; }

ha_type=$(get high-availability.type)
[ "$ha_type" = "kubernetes" ] || {
  echo "kubernetes-manifests.sh: $config: high-availability.type is '${ha_type:-filesystem}', expected kubernetes" >&2
  exit 2
}
replicas=$(get kubernetes.jobmanager.replicas); replicas=${replicas:-1}
case "$replicas" in ''|*[!0-9]*|0) echo "kubernetes-manifests.sh: $config: kubernetes.jobmanager.replicas: '$replicas' is not a positive number" >&2; exit 2 ;; esac
storage_dir=$(get high-availability.storageDir); storage_dir=${storage_dir#file://}
[ -n "$storage_dir" ] || { echo "kubernetes-manifests.sh: $config: high-availability.storageDir is not set" >&2; exit 2; }
cluster_id=$(get kubernetes.cluster-id); cluster_id=${cluster_id:-$(get high-availability.cluster-id)}; cluster_id=${cluster_id:-default}
namespace=$(get kubernetes.namespace); namespace=${namespace:-default}
rest_port=$(get rest.port); rest_port=${rest_port:-8081}
rpc_port=$(get jobmanager.rpc.port); rpc_port=${rpc_port:-6123}
ha_port=$(get high-availability.jobmanager.port); ha_port=${ha_port:-0}
[ "$rest_port" != 0 ] || { echo "kubernetes-manifests.sh: $config: rest.port must be fixed (not 0) for a Service" >&2; exit 2; }
name="regent-$cluster_id"
labels="app: $name"

indent() { sed 's/^/    /'; }

cat <<EOF
# Rendered by bin/kubernetes-manifests.sh from $config — cluster '$cluster_id', namespace '$namespace'.
apiVersion: v1
kind: ServiceAccount
metadata: {name: $name, namespace: $namespace, labels: {$labels}}
---
EOF
sed -e "/^metadata:/,/^rules:/{s/^  name: .*/  name: $name-ha\n  namespace: $namespace/}" -e '/^#/d' "$root/deploy/kubernetes/role.yaml"
cat <<EOF
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: $name-ha, namespace: $namespace, labels: {$labels}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: $name-ha}
subjects: [{kind: ServiceAccount, name: $name, namespace: $namespace}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: $name-config, namespace: $namespace, labels: {$labels}}
data:
  config.yaml: |
$(indent < "$config")
---
# high-availability.storageDir must be shared by every jobmanager: a ReadWriteMany volume.
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: $name-ha-storage, namespace: $namespace, labels: {$labels}}
spec:
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 10Gi}}
EOF
[ -n "$storage_class" ] && echo "  storageClassName: $storage_class"
cat <<EOF
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name-jobmanager, namespace: $namespace, labels: {$labels, component: jobmanager}}
spec:
  replicas: $replicas
  selector: {matchLabels: {$labels, component: jobmanager}}
  template:
    metadata: {labels: {$labels, component: jobmanager}}
    spec:
      serviceAccountName: $name
      terminationGracePeriodSeconds: 30
      containers:
      - name: jobmanager
        image: $image
        command: [/opt/regent/bin/jobmanager]
        args: [--config-dir, /opt/regent/conf, -D, "jobmanager.rpc.address=\$(POD_IP)", -D, "rest.address=\$(POD_IP)"]
        env:
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        ports:
        - {name: rest, containerPort: $rest_port}
        - {name: rpc, containerPort: $rpc_port}
        readinessProbe:
          tcpSocket: {port: $rest_port}
          periodSeconds: 2
        volumeMounts:
        - {name: config, mountPath: /opt/regent/conf}
        - {name: ha-storage, mountPath: $storage_dir}
      volumes:
      - name: config
        configMap: {name: $name-config}
      - name: ha-storage
        persistentVolumeClaim: {claimName: $name-ha-storage}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: $name-taskmanager, namespace: $namespace, labels: {$labels, component: taskmanager}}
spec:
  replicas: $taskmanagers
  selector: {matchLabels: {$labels, component: taskmanager}}
  template:
    metadata: {labels: {$labels, component: taskmanager}}
    spec:
      serviceAccountName: $name
      containers:
      - name: taskmanager
        image: $image
        command: [/opt/regent/bin/taskmanager]
        args: [--config-dir, /opt/regent/conf, -D, "taskmanager.host=\$(POD_IP)"]
        env:
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        volumeMounts:
        - {name: config, mountPath: /opt/regent/conf}
        - {name: ha-storage, mountPath: $storage_dir}
      volumes:
      - name: config
        configMap: {name: $name-config}
      - name: ha-storage
        persistentVolumeClaim: {claimName: $name-ha-storage}
---
# REST: every jobmanager answers (a standby forwards to the leader).
apiVersion: v1
kind: Service
metadata: {name: $name-rest, namespace: $namespace, labels: {$labels}}
spec:
  selector: {$labels, component: jobmanager}
  ports: [{name: rest, port: $rest_port, targetPort: $rest_port}]
---
# RPC: headless, one address per jobmanager pod (taskmanagers find the leader through the HA
# leader-info ConfigMap, which names the leader's pod IP).
apiVersion: v1
kind: Service
metadata: {name: $name-rpc, namespace: $namespace, labels: {$labels}}
spec:
  clusterIP: None
  selector: {$labels, component: jobmanager}
  ports: [{name: rpc, port: $rpc_port, targetPort: $rpc_port}]
EOF
