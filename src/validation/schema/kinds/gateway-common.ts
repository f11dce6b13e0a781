/**
 * Gateway fragments (gateway.networking.k8s.io/v1): listeners and their TLS settings, namespace
 * selection, addresses, and listener status. Facts are those of the Gateway API v1.6.1
 * standard-channel CRD.
 */
import type { Schema } from '../types.ts';
import {
  conditions,
  group,
  hostname,
  kind,
  objectName,
  portNumber,
  namespace,
  secretObjectReference,
  sectionName,
} from './common.ts';

/** A Kubernetes label selector (matchLabels and matchExpressions). */
const labelSelector: Schema = {
  type: 'object',
  'x-kubernetes-map-type': 'atomic',
  description: 'Label selector over Namespaces; used when from is Selector.',
  properties: {
    matchExpressions: {
      type: 'array',
      'x-kubernetes-list-type': 'atomic',
      description: 'Requirements that must all hold.',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string', description: 'Label key.' },
          operator: { type: 'string', description: 'In, NotIn, Exists or DoesNotExist.' },
          values: {
            type: 'array',
            'x-kubernetes-list-type': 'atomic',
            items: { type: 'string' },
            description: 'Values for In and NotIn; empty for Exists and DoesNotExist.',
          },
        },
      },
    },
    matchLabels: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Labels that must all be present with these values.',
    },
  },
};

/** Which namespaces may attach: `from` with a default that differs per use. */
export function namespacesFrom(choices: readonly string[], byDefault: string, description: string): Schema {
  return {
    type: 'object',
    default: { from: byDefault },
    description,
    properties: {
      from: {
        type: 'string',
        enum: choices,
        default: byDefault,
        description: `Which namespaces: ${choices.join(', ')}.`,
      },
      selector: labelSelector,
    },
  };
}

/** A group/kind pair naming a route kind. */
export const routeGroupKind: Schema = {
  type: 'object',
  required: ['kind'],
  properties: {
    group: { ...group, default: 'gateway.networking.k8s.io', description: 'API group of the route kind.' },
    kind: { ...kind, description: 'Route kind, e.g. HTTPRoute.' },
  },
};

/** A list of route kinds (allowed by a listener, or supported by it in status). */
export const routeKinds = (description: string): Schema => ({
  type: 'array',
  maxItems: 8,
  'x-kubernetes-list-type': 'atomic',
  items: routeGroupKind,
  description,
});

const listenerTLS: Schema = {
  type: 'object',
  description: 'TLS settings of the listener: terminate with these certificates, or pass through.',
  properties: {
    certificateRefs: {
      type: 'array',
      maxItems: 64,
      'x-kubernetes-list-type': 'atomic',
      items: { ...secretObjectReference, description: 'A kubernetes.io/tls Secret with certificate and key.' },
      description: 'Serving certificates, chosen by SNI. Another namespace needs a ReferenceGrant.',
    },
    mode: {
      type: 'string',
      enum: ['Terminate', 'Passthrough'],
      default: 'Terminate',
      description: 'Terminate TLS at the gateway, or pass the encrypted stream to the backend.',
    },
    options: {
      type: 'object',
      maxProperties: 16,
      additionalProperties: { type: 'string', minLength: 0, maxLength: 4096 },
      description: 'Implementation-specific TLS options, by domain-prefixed key.',
    },
  },
  'x-kubernetes-validations': [
    {
      message: 'certificateRefs or options must be specified when mode is Terminate',
      rule: "self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true",
    },
  ],
};

const listener: Schema = {
  type: 'object',
  required: ['name', 'port', 'protocol'],
  description: 'A port, protocol and optional hostname on which the Gateway accepts traffic.',
  properties: {
    allowedRoutes: {
      type: 'object',
      default: { namespaces: { from: 'Same' } },
      description: 'Which routes may attach: from which namespaces and of which kinds.',
      properties: {
        kinds: routeKinds('Route kinds allowed; empty means all kinds the protocol supports.'),
        namespaces: namespacesFrom(
          ['All', 'Selector', 'Same'],
          'Same',
          "Namespaces routes may come from. Defaults to the Gateway's own.",
        ),
      },
    },
    hostname: { ...hostname, description: 'Host (or SNI) this listener accepts; a leading "*." is a wildcard.' },
    name: { ...sectionName, description: 'Name of the listener, unique in the Gateway.' },
    port: { ...portNumber, description: 'Port to listen on.' },
    protocol: {
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: String.raw`^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$`,
      description: 'HTTP, HTTPS, TLS, TCP, UDP, or a domain-prefixed custom protocol.',
    },
    tls: listenerTLS,
  },
};

/** The listeners of a Gateway with the rules that tie protocol, tls and hostname together. */
export const listeners: Schema = {
  type: 'array',
  minItems: 1,
  maxItems: 64,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
  items: listener,
  description: 'Where the Gateway accepts traffic. Each listener has a unique name.',
  'x-kubernetes-validations': [
    {
      message: "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']",
      rule: "self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)",
    },
    {
      message: 'tls mode must be Terminate for protocol HTTPS',
      rule: "self.all(l, (l.protocol == 'HTTPS' && has(l.tls)) ? (l.tls.mode == '' || l.tls.mode == 'Terminate') : true)",
    },
    {
      message: 'tls mode must be set for protocol TLS',
      rule: "self.all(l, (l.protocol == 'TLS' ? has(l.tls) && has(l.tls.mode) && l.tls.mode != '' : true))",
    },
    {
      message: "hostname must not be specified for protocols ['TCP', 'UDP']",
      rule: "self.all(l, l.protocol in ['TCP', 'UDP']  ? (!has(l.hostname) || l.hostname == '') : true)",
    },
    {
      message: 'Listener name must be unique within the Gateway',
      rule: 'self.all(l1, self.exists_one(l2, l1.name == l2.name))',
    },
    {
      message: 'Combination of port, protocol and hostname must be unique for each listener',
      rule: 'self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && (has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && !has(l2.hostname))))',
    },
  ],
};

/** Client certificate validation for TLS listeners (frontend mTLS). */
const frontendValidation: Schema = {
  type: 'object',
  description: 'Client certificate validation settings.',
  properties: {
    validation: {
      type: 'object',
      required: ['caCertificateRefs'],
      description: 'Require clients to present a certificate signed by one of these CAs.',
      properties: {
        caCertificateRefs: {
          type: 'array',
          minItems: 1,
          maxItems: 16,
          'x-kubernetes-list-type': 'atomic',
          description: 'ConfigMaps (or other objects) holding the trusted CA certificates.',
          items: {
            type: 'object',
            required: ['group', 'kind', 'name'],
            properties: {
              group: { ...group, description: 'API group of the object; empty for the core group.' },
              kind: { ...kind, description: 'Kind of the object, e.g. ConfigMap.' },
              name: { ...objectName, description: 'Name of the object.' },
              namespace: { ...namespace, description: "Namespace of the object; defaults to the Gateway's." },
            },
          },
        },
        mode: {
          type: 'string',
          enum: ['AllowValidOnly', 'AllowInsecureFallback'],
          default: 'AllowValidOnly',
          description: 'Reject clients without a valid certificate, or let them through.',
        },
      },
    },
  },
};

/** Gateway-wide TLS: client certificate for backends, client validation for listeners. */
export const gatewayTLS: Schema = {
  type: 'object',
  description: 'TLS settings that apply to the whole Gateway.',
  properties: {
    backend: {
      type: 'object',
      description: 'TLS settings for connections from the Gateway to backends.',
      properties: {
        clientCertificateRef: {
          ...secretObjectReference,
          description: 'Certificate and key the Gateway presents to backends that ask for one.',
        },
      },
    },
    frontend: {
      type: 'object',
      required: ['default'],
      description: 'Client certificate validation for TLS listeners, by default and per port.',
      properties: {
        default: { ...frontendValidation, description: 'Settings for every port without its own entry.' },
        perPort: {
          type: 'array',
          maxItems: 64,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port'],
          description: 'Settings for particular ports.',
          items: {
            type: 'object',
            required: ['port', 'tls'],
            properties: {
              port: { ...portNumber, description: 'The listener port these settings apply to.' },
              tls: frontendValidation,
            },
          },
          'x-kubernetes-validations': [
            {
              message: 'Port for TLS configuration must be unique within the Gateway',
              rule: 'self.all(t1, self.exists_one(t2, t1.port == t2.port))',
            },
          ],
        },
      },
    },
  },
};

/** Status of one listener. */
export const listenerStatus: Schema = {
  type: 'array',
  maxItems: 64,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
  description: 'Status per listener.',
  items: {
    type: 'object',
    required: ['attachedRoutes', 'conditions', 'name'],
    properties: {
      attachedRoutes: {
        type: 'integer',
        format: 'int32',
        description: 'How many routes are attached to this listener.',
      },
      conditions: { ...conditions, description: 'Accepted, Programmed, ResolvedRefs, Conflicted and similar.' },
      name: { ...sectionName, description: 'The listener this entry is about.' },
      supportedKinds: routeKinds('Route kinds this listener accepts.'),
    },
  },
};
