#!/usr/bin/env bash
# Makes a throw-away test CA and a server certificate for 127.0.0.1 / localhost in DIR, for the
# Kubernetes API-server test double: DIR/ca.crt, DIR/server.crt, DIR/server.key, and a bearer
# token in DIR/token. Only for tests; keys are unencrypted.
set -euo pipefail
dir=${1:?usage: make_test_ca.sh DIR}
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=regent-test-ca" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver-test-double" \
  -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.crt 2>/dev/null
rm -f server.csr server.ext ca.srl
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > token
