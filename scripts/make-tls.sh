#!/usr/bin/env bash
# Makes a test CA and certificates for a conf dir and turns on TLS with mutual authentication
# on every port (security.ssl.internal.* and security.ssl.rest.*) in its config.yaml.
#
#   scripts/make-tls.sh [--format pkcs12|pem] [--name HOST]... [--password PASS] [--no-config] CONF_DIR
#
# Writes CONF_DIR/tls/:
#   ca.crt, ca.key            the cluster's CA (its key stays here: it signs more certificates
#                             if you run the script again with --name)
#   node.crt, node.key        the certificate of every jobmanager, taskmanager and client,
#                             for serverAuth and clientAuth, valid for 127.0.0.1, localhost,
#                             this host's name and every --name
#   keystore.p12              node.key + node.crt (+ ca.crt) as a PKCS12 keystore  } pkcs12
#   truststore.p12            ca.crt as a PKCS12 trust store                       } format
# and (unless --no-config) replaces the block between the markers below in CONF_DIR/config.yaml
# with the keys that use them (--format pkcs12, the default: Flink's keystore/truststore keys
# with a random password, or PASS; --format pem: Regent's cert/key/trusted-ca keys).
# Run it again to replace everything: a new CA, so certificates of the old one are refused.
# For tests and trials: a real cluster should use certificates of a CA its operators keep.
set -euo pipefail

usage() { echo "usage: $0 [--format pkcs12|pem] [--name HOST]... [--password PASS] [--no-config] CONF_DIR" >&2; exit 2; }
format=pkcs12
names=()
write_config=1
password=
conf=
while [ $# -gt 0 ]; do
  case "$1" in
    --format) [ $# -ge 2 ] || usage; format=$2; shift 2 ;;
    --name) [ $# -ge 2 ] || usage; names+=("$2"); shift 2 ;;
    --password) [ $# -ge 2 ] || usage; password=$2; shift 2 ;;
    --no-config) write_config=0; shift ;;
    -h|--help) usage ;;
    -*) echo "$0: unknown option $1" >&2; usage ;;
    *) [ -z "$conf" ] || usage; conf=$1; shift ;;
  esac
done
[ -n "$conf" ] || usage
case "$format" in pkcs12|pem) ;; *) echo "$0: --format must be pkcs12 or pem" >&2; exit 2 ;; esac
command -v openssl >/dev/null || { echo "$0: openssl is not installed (apt-get install openssl)" >&2; exit 1; }

mkdir -p "$conf/tls"
conf=$(cd "$conf" && pwd)
dir=$conf/tls
umask 077
cd "$dir"

san="IP:127.0.0.1,IP:::1,DNS:localhost"
host=$(hostname 2>/dev/null || true)
[ -n "$host" ] && san="$san,DNS:$host"
for n in "${names[@]}"; do
  if [[ "$n" =~ ^[0-9.]+$ || "$n" == *:* ]]; then san="$san,IP:$n"; else san="$san,DNS:$n"; fi
done

openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=regent-cluster-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca.key -out ca.crt 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/O=regent/CN=regent-node" -keyout node.key -out node.csr 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' \
  "$san" > node.ext
openssl x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -extfile node.ext \
  -out node.crt 2>/dev/null
rm -f node.csr node.ext ca.srl

# Both PKCS12 files always (the --no-config use wants them); the config names one format.
[ -n "$password" ] || password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
{
  openssl pkcs12 -export -in node.crt -inkey node.key -certfile ca.crt -name regent-node \
    -passout "pass:$password" -out keystore.p12
  openssl pkcs12 -export -nokeys -in ca.crt -name regent-cluster-ca -passout "pass:$password" -out truststore.p12
}

[ "$write_config" = 1 ] || { echo "TLS material in $dir"; exit 0; }

begin='# >>> TLS: written by scripts/make-tls.sh (run it again to replace) >>>'
end='# <<< TLS <<<'
file=$conf/config.yaml
touch "$file"
tmp=$(mktemp "$conf/.config.yaml.XXXXXX")
awk -v b="$begin" -v e="$end" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$file" > "$tmp"
{
  echo "$begin"
  for kind in internal rest; do
    echo "security.ssl.$kind.enabled: true"
    if [ "$format" = pkcs12 ]; then
      echo "security.ssl.$kind.keystore: $dir/keystore.p12"
      echo "security.ssl.$kind.keystore-password: $password"
      echo "security.ssl.$kind.truststore: $dir/truststore.p12"
      echo "security.ssl.$kind.truststore-password: $password"
    else
      echo "security.ssl.$kind.cert: $dir/node.crt"
      echo "security.ssl.$kind.key: $dir/node.key"
      echo "security.ssl.$kind.trusted-ca: $dir/ca.crt"
    fi
  done
  echo "security.ssl.rest.authentication-enabled: true"
  echo "$end"
} >> "$tmp"
chmod --reference="$file" "$tmp" 2>/dev/null || true
mv "$tmp" "$file"
echo "TLS with mutual authentication on every port: material in $dir, keys in $file"
