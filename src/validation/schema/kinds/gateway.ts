/**
 * Gateway (gateway.networking.k8s.io/v1, the storage version; v1beta1 has the same schema): an
 * instance of a GatewayClass with its listeners. Facts (limits, patterns, defaults, CEL rules) are
 * those of the Gateway API v1.6.1 standard-channel CRD; listener fragments are in gateway-common.ts.
 */
import type { Schema } from '../types.ts';
import { conditions, crdRoot, localObjectReference, objectName } from './common.ts';
import { gatewayTLS, listenerStatus, listeners, namespacesFrom } from './gateway-common.ts';

const addressType: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 253,
  default: 'IPAddress',
  pattern: String.raw`^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$`,
  description: 'IPAddress, Hostname, NamedAddress, or a domain-prefixed custom type.',
};

/** An IPAddress value must be an IPv4 or IPv6 address; other types are not checked here. */
const ipAddressOrOther: readonly Schema[] = [
  {
    properties: {
      type: { enum: ['IPAddress'] },
      value: { anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    },
  },
  { properties: { type: { not: { enum: ['IPAddress'] } } } },
];

const hostnameValue = String.raw`^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`;

const specAddresses: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'atomic',
  description: 'Addresses the Gateway asks to be reachable at; the implementation may not honour them.',
  items: {
    type: 'object',
    oneOf: ipAddressOrOther,
    properties: {
      type: addressType,
      value: { type: 'string', maxLength: 253, description: 'The address; empty lets the implementation pick.' },
    },
    'x-kubernetes-validations': [
      {
        message: `Hostname value must be empty or contain only valid characters (matching ${hostnameValue})`,
        rule: String.raw`self.type == 'Hostname' ? (!has(self.value) || self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$""")): true`,
      },
    ],
  },
  'x-kubernetes-validations': [
    {
      message: 'IPAddress values must be unique',
      rule: "self.all(a1, a1.type == 'IPAddress' && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )",
    },
    {
      message: 'Hostname values must be unique',
      rule: "self.all(a1, a1.type == 'Hostname'  && has(a1.value) ? self.exists_one(a2, a2.type == a1.type && has(a2.value) && a2.value == a1.value) : true )",
    },
  ],
};

const statusAddresses: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'atomic',
  description: 'Addresses the Gateway is actually reachable at.',
  items: {
    type: 'object',
    required: ['value'],
    oneOf: ipAddressOrOther,
    properties: {
      type: addressType,
      value: { type: 'string', minLength: 1, maxLength: 253, description: 'The address.' },
    },
    'x-kubernetes-validations': [
      {
        message: `Hostname value must only contain valid characters (matching ${hostnameValue})`,
        rule: String.raw`self.type == 'Hostname' ? self.value.matches(r"""^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"""): true`,
      },
    ],
  },
};

/** Keys of infrastructure labels and annotations: optional DNS prefix, then a short name. */
function metadataMap(what: 'Label' | 'Annotation', value: Schema, maxProperties: number): Schema {
  const lower = what.toLowerCase();
  return {
    type: 'object',
    maxProperties,
    additionalProperties: value,
    description: `${what}s to put on the resources created for this Gateway.`,
    'x-kubernetes-validations': [
      {
        message: `${what} keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.`,
        rule: String.raw`self.all(key, key.matches(r"""^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$"""))`,
      },
      {
        message: `If specified, the ${lower} key's prefix must be a DNS subdomain not longer than 253 characters in total.`,
        rule: 'self.all(key, key.split("/")[0].size() < 253)',
      },
    ],
  };
}

const infrastructure: Schema = {
  type: 'object',
  description: 'Settings for the infrastructure (pods, services) an implementation creates for the Gateway.',
  properties: {
    annotations: metadataMap('Annotation', { type: 'string', minLength: 0, maxLength: 4096 }, 16),
    labels: metadataMap(
      'Label',
      { type: 'string', minLength: 0, maxLength: 63, pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$' },
      8,
    ),
    parametersRef: {
      ...localObjectReference,
      description: "An implementation-specific object in the Gateway's namespace with more settings.",
    },
  },
};

const spec: Schema = {
  type: 'object',
  required: ['gatewayClassName', 'listeners'],
  description: 'The class, listeners, addresses and TLS settings of the Gateway.',
  properties: {
    addresses: specAddresses,
    allowedListeners: {
      type: 'object',
      description: 'Whether ListenerSets from other namespaces may add listeners to this Gateway.',
      properties: {
        namespaces: namespacesFrom(
          ['All', 'Selector', 'Same', 'None'],
          'None',
          'Namespaces ListenerSets may come from. Defaults to none.',
        ),
      },
    },
    gatewayClassName: { ...objectName, description: 'The GatewayClass this Gateway belongs to.' },
    infrastructure,
    listeners,
    tls: gatewayTLS,
  },
};

/** What a fresh Gateway reports before any controller has looked at it. */
const pendingConditions = ['Accepted', 'Programmed'].map((type) => ({
  lastTransitionTime: '1970-01-01T00:00:00Z',
  message: 'Waiting for controller',
  reason: 'Pending',
  status: 'Unknown',
  type,
}));

const status: Schema = {
  type: 'object',
  default: { conditions: pendingConditions },
  description: 'What the controller reports about the Gateway.',
  properties: {
    addresses: statusAddresses,
    attachedListenerSets: {
      type: 'integer',
      format: 'int32',
      description: 'How many ListenerSets are attached to this Gateway.',
    },
    conditions: {
      ...conditions,
      default: pendingConditions,
      description: 'Accepted, Programmed and similar conditions.',
    },
    listeners: listenerStatus,
  },
};

/** The schema of a Gateway object. */
export const gatewaySchema: Schema = crdRoot({
  description: 'A running instance of a GatewayClass: where traffic enters, and which routes may attach.',
  spec,
  status,
  specRequired: true,
});
