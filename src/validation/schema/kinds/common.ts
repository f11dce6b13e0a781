/**
 * Schema pieces shared by the Gateway API kinds (spec.md 2.7 and 2.9): the scalar types with their
 * patterns and limits exactly as the v1.6.1 CRDs enforce them, the reference shapes, and
 * metav1.Condition. Descriptions are our own words; `lastmile explain` prints them.
 */
import type { Schema } from '../types.ts';

/** DNS-1123 subdomain as the Gateway API types spell it (no trailing dot, lower case). */
const DNS_SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';

/** API group of a referent; the empty string is the core group (spec.md 2.7 `Group`). */
export const group: Schema = {
  type: 'string',
  description: 'API group of the referent. The empty string means the core API group (Service, ConfigMap, Secret).',
  maxLength: 253,
  pattern: `^$|^${DNS_SUBDOMAIN}$`,
};

/** Kind of a referent (spec.md 2.7 `Kind`). */
export const kind: Schema = {
  type: 'string',
  description: 'Kind of the referent, e.g. Service or ConfigMap.',
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$',
};

/** Name of a referent (spec.md 2.7 `ObjectName`): only a length limit, no pattern. */
export const objectName: Schema = {
  type: 'string',
  description: 'Name of the referent.',
  minLength: 1,
  maxLength: 253,
};

/** Namespace name, a DNS-1123 label (spec.md 2.7 `Namespace`). */
export const namespace: Schema = {
  type: 'string',
  description: 'Namespace of the referent.',
  minLength: 1,
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
};

/** A named part of a referent: listener name, route rule name or Service port name (spec.md 2.7). */
export const sectionName: Schema = {
  type: 'string',
  description:
    'A named part of the referent: a Gateway listener name, a route rule name, or a Service port name. Unset means the whole object.',
  minLength: 1,
  maxLength: 253,
  pattern: `^${DNS_SUBDOMAIN}$`,
};

/** A hostname that may start with a `*.` wildcard label (spec.md 2.7 `Hostname`). */
export const hostname: Schema = {
  type: 'string',
  description: 'A fully qualified domain name in lower case, optionally starting with a "*." wildcard label. No trailing dot, no port.',
  minLength: 1,
  maxLength: 253,
  pattern: `^(\\*\\.)?${DNS_SUBDOMAIN}$`,
};

/** A hostname without wildcard (spec.md 2.7 `PreciseHostname`). */
export const preciseHostname: Schema = {
  type: 'string',
  description: 'A fully qualified domain name in lower case, without wildcard, trailing dot or port.',
  minLength: 1,
  maxLength: 253,
  pattern: `^${DNS_SUBDOMAIN}$`,
};

/** An absolute URI with scheme and `//` authority, RFC 3986 (spec.md 2.7 `AbsoluteURI`; not end-anchored on purpose). */
export const absoluteURI: Schema = {
  type: 'string',
  description: 'An absolute URI with a scheme and an authority part, e.g. spiffe://cluster.local/ns/default/sa/backend.',
  minLength: 1,
  maxLength: 253,
  pattern: '^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\\?([^#]*))?(#(.*))?',
};

/** A controller name: a domain-prefixed path (spec.md 2.7 `GatewayController`). */
export const gatewayController: Schema = {
  type: 'string',
  description: 'Name of a controller, a domain followed by a path, e.g. lastmile.dev/gateway-controller.',
  minLength: 1,
  maxLength: 253,
  pattern: `^${DNS_SUBDOMAIN}\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`,
};

/** A network port number, int32 1..65535 (`PortNumber`). */
export const portNumber: Schema = {
  type: 'integer',
  format: 'int32',
  description: 'A network port number, 1 to 65535.',
  minimum: 1,
  maximum: 65535,
};

/** metav1.Condition as the CRDs embed it (spec.md 2.9). */
export const condition: Schema = {
  type: 'object',
  description: 'One aspect of the current state of the object, as observed by a controller.',
  required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
  properties: {
    lastTransitionTime: {
      type: 'string',
      format: 'date-time',
      description: 'When the condition last changed from one status to another.',
    },
    message: {
      type: 'string',
      maxLength: 32768,
      description: 'Human readable details about the transition.',
    },
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      minimum: 0,
      description: 'The metadata.generation the condition was computed from.',
    },
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      description: 'A CamelCase word saying why the condition has its status.',
    },
    status: {
      type: 'string',
      enum: ['True', 'False', 'Unknown'],
      description: 'Status of the condition: True, False or Unknown.',
    },
    type: {
      type: 'string',
      maxLength: 316,
      pattern: `^(${DNS_SUBDOMAIN}/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$`,
      description: 'Type of the condition in CamelCase, optionally domain-prefixed, e.g. Accepted.',
    },
  },
};

/** A list of conditions, a map keyed by `type`, at most 8 entries. */
export const conditions: Schema = {
  type: 'array',
  description: 'Conditions describing the current state; at most one per type.',
  maxItems: 8,
  items: condition,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
};

/** A reference to a parent object (Gateway by default); also the shape of policy ancestor refs. */
export const parentReference: Schema = {
  type: 'object',
  description: 'A reference to a parent object, a Gateway unless group and kind say otherwise.',
  required: ['name'],
  properties: {
    group: { ...group, default: 'gateway.networking.k8s.io', description: 'API group of the parent; defaults to gateway.networking.k8s.io.' },
    kind: { ...kind, default: 'Gateway', description: 'Kind of the parent; defaults to Gateway.' },
    namespace: { ...namespace, description: 'Namespace of the parent; unset means the namespace of the referring object.' },
    name: { ...objectName, description: 'Name of the parent.' },
    sectionName: { ...sectionName, description: 'Name of one part of the parent, e.g. a Gateway listener name.' },
    port: { ...portNumber, description: 'Port of the parent to attach to, e.g. the port of a Gateway listener.' },
  },
};

/** A reference to an object in the same namespace (spec.md 2.6); every key is required, no defaults. */
export const localObjectReference: Schema = {
  type: 'object',
  description: 'A reference to an object in the same namespace as the referring object.',
  required: ['group', 'kind', 'name'],
  properties: {
    group: { ...group, description: 'API group of the referent; "" is the core group.' },
    kind: { ...kind, description: 'Kind of the referent, e.g. ConfigMap.' },
    name: { ...objectName, description: 'Name of the referent.' },
  },
};

/** A reference to a Secret, possibly in another namespace (spec.md 5): group defaults to "", kind to Secret. */
export const secretObjectReference: Schema = {
  type: 'object',
  description: 'A reference to a Secret, optionally in another namespace (which then needs a ReferenceGrant).',
  required: ['name'],
  properties: {
    group: { ...group, default: '', description: 'API group of the referent; defaults to the core group "".' },
    kind: { ...kind, default: 'Secret', description: 'Kind of the referent; defaults to Secret.' },
    name: { ...objectName, description: 'Name of the referent.' },
    namespace: { ...namespace, description: 'Namespace of the referent; unset means the namespace of the referring object.' },
  },
};

/**
 * The top-level object of a Gateway API kind: apiVersion, kind, metadata (checked by the metadata
 * step, so the schema walker treats it as opaque), spec and status.
 */
export function crdRoot(opts: { spec: Schema; status?: Schema; specRequired?: boolean; description: string }): Schema {
  const properties: Record<string, Schema> = {
    apiVersion: { type: 'string', description: 'Versioned schema of this object, e.g. gateway.networking.k8s.io/v1.' },
    kind: { type: 'string', description: 'The kind of this object.' },
    metadata: {
      type: 'object',
      description: 'Standard object metadata: name, namespace, labels, annotations.',
      'x-kubernetes-preserve-unknown-fields': true,
    },
    spec: opts.spec,
  };
  if (opts.status !== undefined) properties['status'] = opts.status;
  return {
    type: 'object',
    description: opts.description,
    properties,
    ...(opts.specRequired === true ? { required: ['spec'] } : {}),
  };
}
