/**
 * TLSRoute (gateway.networking.k8s.io/v1 in Gateway API 1.6, the storage version; v1alpha2 and
 * v1alpha3 are listed but not served in the standard channel): routes TLS connections by SNI,
 * without terminating them. Facts are those of the v1.6.1 standard-channel CRD.
 */
import type { Schema } from '../types.ts';
import { crdRoot, hostname } from './common.ts';
import { backendRef, parentRefs, routeStatus, ruleName } from './route-common.ts';

/** The RFC 1123 check the CRD repeats in CEL (the item pattern alone would allow more). */
const rfc1123 = String.raw`'^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$'`;

const spec: Schema = {
  type: 'object',
  required: ['hostnames', 'rules'],
  description: 'Where the route attaches, which SNI names it serves, and its backends.',
  properties: {
    hostnames: {
      type: 'array',
      minItems: 1,
      maxItems: 1024,
      'x-kubernetes-list-type': 'atomic',
      items: hostname,
      description: 'SNI server names this route answers for; a wildcard only as the whole first label.',
      'x-kubernetes-validations': [
        { message: 'Hostnames cannot contain an IP', rule: 'self.all(h, !isIP(h))' },
        {
          message: 'Hostnames must be valid based on RFC-1123',
          rule: `self.all(h, !h.contains('*') ? h.matches(${rfc1123}) : true)`,
        },
        {
          message:
            'Wildcards on hostnames must be the first label, and the rest of hostname must be valid based on RFC-1123',
          rule: `self.all(h, h.contains('*') ? (h.startsWith('*.') && h.substring(2).matches(${rfc1123})) : true)`,
        },
      ],
    },
    parentRefs,
    rules: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      'x-kubernetes-list-type': 'atomic',
      description: 'Exactly one rule: the backends connections are sent to.',
      items: {
        type: 'object',
        required: ['backendRefs'],
        description: 'Backends for the connections, split by weight.',
        properties: {
          backendRefs: {
            type: 'array',
            minItems: 1,
            maxItems: 16,
            'x-kubernetes-list-type': 'atomic',
            description: 'Backends that receive the TLS stream as is.',
            items: backendRef(),
          },
          name: ruleName,
        },
      },
    },
  },
};

/** The schema of a TLSRoute object. */
export const tlsRouteSchema: Schema = crdRoot({
  description: 'Routes TLS connections arriving at Gateway listeners to backends by SNI, without decrypting them.',
  spec,
  status: routeStatus,
  specRequired: true,
});
