#!/usr/bin/env bash
# Makes a throw-away test CA and certificates in DIR, for the Kubernetes API-server test double:
#   DIR/ca.crt, ca.key                 the test CA (the double's server and client CA)
#   DIR/server.crt, server.key         the double's certificate for 127.0.0.1 / localhost
#   DIR/client.crt, client.key         a client certificate of the test CA: user regent-client,
#                                      group regent-ha (CN and O, as kube-apiserver reads them)
#   DIR/other-ca.crt                   another CA, and
#   DIR/other-client.crt, other-client.key  the same subject signed by it (to be refused)
#   DIR/token                          a bearer token
# Only for tests; keys are unencrypted.
set -euo pipefail
dir=${1:?usage: make_test_ca.sh DIR}
mkdir -p "$dir"
cd "$dir"
# sign NAME CA SUBJECT EXTENSIONS: NAME.key and NAME.crt signed by CA.crt/CA.key
sign() {
  openssl req -newkey rsa:2048 -nodes -subj "$3" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%b' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$1.ext" "$2.srl"
}
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=regent-test-ca" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some-other-ca" \
  -keyout other-ca.key -out other-ca.crt 2>/dev/null
sign server ca "/CN=kube-apiserver-test-double" \
  'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n'
client_ext='basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n'
sign client ca "/O=regent-ha/CN=regent-client" "$client_ext"
sign other-client other-ca "/O=regent-ha/CN=regent-client" "$client_ext"
rm -f other-ca.key
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > token
