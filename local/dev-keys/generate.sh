#!/usr/bin/env bash
# Regenerates the local-only APNs and FCM test keys in this folder (see README.md).
# Run from this folder: ./generate.sh  (overwrites every file it writes)
set -euo pipefail
cd "$(dirname "$0")"
DAYS=7300
PASS=dev-passphrase

# Test CA
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days "$DAYS" -subj "/CN=voip-push local test CA/O=voip-push dev" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

# Simulator server certificate for 127.0.0.1 / localhost
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out server.key
openssl req -new -key server.key -subj "/CN=localhost/O=voip-push dev" -out server.csr
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS" -sha256 -extfile server.ext -out server.pem
rm -f server.csr server.ext

# Token auth: ES256 key like a .p8 from Apple (team DEVTEAM001, key DEVKEY0001)
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out AuthKey_DEVKEY0001.p8
openssl pkey -in AuthKey_DEVKEY0001.p8 -pubout -out AuthKey_DEVKEY0001.pub.pem

# Client certificate like a VoIP Services certificate for bundle com.example.voip
openssl genrsa 2048 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out client.key
openssl req -new -key client.key -subj "/UID=com.example.voip/CN=VoIP Services: com.example.voip/OU=DEVTEAM001/O=voip-push dev" -out client.csr
printf 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$DAYS" -sha256 -extfile client.ext -out client.pem
rm -f client.csr client.ext ca.srl
openssl pkcs12 -export -inkey client.key -in client.pem -name "VoIP Services: com.example.voip" -passout "pass:$PASS" -out client.p12

# FCM: a Google service account like the JSON the Firebase console downloads (project voip-push-dev).
# token_uri points at loopback; the local stack and tests replace it with the FCM simulator's token URL.
openssl genrsa 2048 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out fcm-service-account.key
openssl pkey -in fcm-service-account.key -pubout -out fcm-service-account.pub.pem
KEY_ID=$(openssl rand -hex 20)
PEM_JSON=$(awk '{printf "%s\\n", $0}' fcm-service-account.key)
cat > fcm-service-account.json <<JSON
{
  "type": "service_account",
  "project_id": "voip-push-dev",
  "private_key_id": "$KEY_ID",
  "private_key": "$PEM_JSON",
  "client_email": "fcm-sender@voip-push-dev.iam.gserviceaccount.com",
  "client_id": "100000000000000000001",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://127.0.0.1/token",
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/fcm-sender%40voip-push-dev.iam.gserviceaccount.com",
  "universe_domain": "googleapis.com"
}
JSON
rm -f fcm-service-account.key
