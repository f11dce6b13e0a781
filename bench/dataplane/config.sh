#!/usr/bin/env bash
# config.sh DIR: writes the lastmile manifests for anchors.sh's backend into DIR.
# Reads BENCH_PORT, BENCH_CA, BENCH_SNI, BENCH_BACKEND_HOST, BENCH_BACKEND_PORT (set by anchors.sh).
# The same job nginx and HAProxy do there: plain HTTP on 127.0.0.1:$BENCH_PORT -> verified TLS
# (CA from a ConfigMap, SNI and hostname check = $BENCH_SNI) to one pooled backend endpoint.
set -euo pipefail
dir=$1
: "${BENCH_PORT:?}" "${BENCH_CA:?}" "${BENCH_SNI:?}" "${BENCH_BACKEND_HOST:?}" "${BENCH_BACKEND_PORT:?}"
mkdir -p "$dir"
{
cat <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: lastmile }
spec: { controllerName: lastmile.dev/gateway-controller }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: bench, namespace: default }
spec:
  gatewayClassName: lastmile
  listeners:
  - { name: http, port: $BENCH_PORT, protocol: HTTP }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bench, namespace: default }
spec:
  parentRefs: [{ name: bench }]
  rules:
  - backendRefs: [{ name: backend, port: 443 }]
---
apiVersion: v1
kind: Service
metadata: { name: backend, namespace: default }
spec: { ports: [{ name: https, port: 443, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: backend-1, namespace: default, labels: { kubernetes.io/service-name: backend } }
addressType: IPv4
ports: [{ name: https, port: $BENCH_BACKEND_PORT, protocol: TCP }]
endpoints: [{ addresses: ["$BENCH_BACKEND_HOST"], conditions: { ready: true } }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: { name: backend, namespace: default }
spec:
  targetRefs: [{ group: "", kind: Service, name: backend }]
  validation:
    hostname: $BENCH_SNI
    caCertificateRefs: [{ group: "", kind: ConfigMap, name: bench-ca }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: bench-ca, namespace: default }
data:
  ca.crt: |
YAML
sed 's/^/    /' "$BENCH_CA"
} > "$dir/bench.yaml"
