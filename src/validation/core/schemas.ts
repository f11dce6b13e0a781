/**
 * The shapes of the core kinds lastmile reads, for type checks and strict unknown-field errors
 * (kubectl apply's strict field validation). Only the fields of the Kubernetes types, with no
 * limits: the API server checks core kinds in code, and so do the sibling files.
 */
import type { Schema } from '../schema/types.ts';

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int32: Schema = { type: 'integer', format: 'int32' };
const strList: Schema = { type: 'array', items: str };
const strMap: Schema = { type: 'object', additionalProperties: str };
const opaque: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

function root(fields: Record<string, Schema>): Schema {
  return {
    type: 'object',
    properties: {
      apiVersion: str,
      kind: str,
      metadata: opaque,
      ...fields,
    },
  };
}

const servicePort: Schema = {
  type: 'object',
  properties: {
    name: str,
    protocol: str,
    appProtocol: str,
    port: int32,
    targetPort: { 'x-kubernetes-int-or-string': true },
    nodePort: int32,
  },
};

export const serviceShape: Schema = root({
  spec: {
    type: 'object',
    properties: {
      type: str,
      ports: { type: 'array', items: servicePort },
      selector: strMap,
      clusterIP: str,
      clusterIPs: strList,
      externalName: str,
      externalIPs: strList,
      sessionAffinity: str,
      sessionAffinityConfig: opaque,
      loadBalancerIP: str,
      loadBalancerSourceRanges: strList,
      loadBalancerClass: str,
      externalTrafficPolicy: str,
      internalTrafficPolicy: str,
      healthCheckNodePort: int32,
      publishNotReadyAddresses: bool,
      ipFamilies: strList,
      ipFamilyPolicy: str,
      allocateLoadBalancerNodePorts: bool,
      trafficDistribution: str,
    },
  },
});

export const endpointSliceShape: Schema = root({
  addressType: str,
  endpoints: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        addresses: strList,
        conditions: { type: 'object', properties: { ready: bool, serving: bool, terminating: bool } },
        hostname: str,
        targetRef: opaque,
        nodeName: str,
        zone: str,
        hints: opaque,
        deprecatedTopology: strMap,
      },
    },
  },
  ports: {
    type: 'array',
    items: { type: 'object', properties: { name: str, protocol: str, appProtocol: str, port: int32 } },
  },
});

export const configMapShape: Schema = root({ data: strMap, binaryData: strMap, immutable: bool });

export const secretShape: Schema = root({ data: strMap, stringData: strMap, type: str, immutable: bool });
