/**
 * GRPCRoute (gateway.networking.k8s.io/v1): routes gRPC calls by service, method and headers.
 * Facts (limits, patterns, defaults, CEL rules) are those of the Gateway API v1.6.1
 * standard-channel CRD; fragments shared with HTTPRoute come from route-common.ts.
 */
import type { Schema } from '../types.ts';
import { crdRoot } from './common.ts';
import {
  backendRef,
  extensionRef,
  filterTypeRules,
  headerMatches,
  headerModifier,
  noRepeatRules,
  parentRefs,
  requestMirror,
  routeHostnames,
  routeStatus,
  ruleName,
} from './route-common.ts';

const grpcRouteFilter: Schema = {
  type: 'object',
  required: ['type'],
  description: 'A change made to the call on its way through.',
  properties: {
    extensionRef,
    requestHeaderModifier: headerModifier('Change request metadata (headers) before forwarding.'),
    requestMirror,
    responseHeaderModifier: headerModifier('Change response metadata (headers) before returning them.'),
    type: {
      type: 'string',
      enum: ['ResponseHeaderModifier', 'RequestHeaderModifier', 'RequestMirror', 'ExtensionRef'],
      description: 'Which filter this is; the field of the same name configures it.',
    },
  },
  'x-kubernetes-validations': filterTypeRules([
    ['requestHeaderModifier', 'RequestHeaderModifier'],
    ['responseHeaderModifier', 'ResponseHeaderModifier'],
    ['requestMirror', 'RequestMirror'],
    ['extensionRef', 'ExtensionRef'],
  ]),
};

const grpcRouteFilters: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'atomic',
  items: grpcRouteFilter,
  description: 'Filters applied in order; header modifiers at most once each.',
  'x-kubernetes-validations': noRepeatRules(['RequestHeaderModifier', 'ResponseHeaderModifier']),
};

const methodMatch: Schema = {
  type: 'object',
  description: 'Match on the gRPC service and/or method name. Omitted parts match anything.',
  properties: {
    method: { type: 'string', maxLength: 1024, description: 'Method name, e.g. "Check".' },
    service: { type: 'string', maxLength: 1024, description: 'Fully qualified service name, e.g. "grpc.health.v1.Health".' },
    type: {
      type: 'string',
      enum: ['Exact', 'RegularExpression'],
      default: 'Exact',
      description: 'How service and method are compared.',
    },
  },
  'x-kubernetes-validations': [
    {
      message: "One or both of 'service' or 'method' must be specified",
      rule: 'has(self.type) ? has(self.service) || has(self.method) : true',
    },
    {
      message: String.raw`service must only contain valid characters (matching ^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$)`,
      rule: String.raw`(!has(self.type) || self.type == 'Exact') && has(self.service) ? self.service.matches(r"""^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$"""): true`,
    },
    {
      message: 'method must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)',
      rule: String.raw`(!has(self.type) || self.type == 'Exact') && has(self.method) ? self.method.matches(r"""^[A-Za-z_][A-Za-z_0-9]*$"""): true`,
    },
  ],
};

const rule: Schema = {
  type: 'object',
  description: 'Which calls (matches), what to do to them (filters) and where to send them (backendRefs).',
  properties: {
    backendRefs: {
      type: 'array',
      maxItems: 16,
      'x-kubernetes-list-type': 'atomic',
      description: 'Backends to send matching calls to, split by weight.',
      items: backendRef({ ...grpcRouteFilters, description: 'Filters applied only when this backend is chosen.' }),
    },
    filters: grpcRouteFilters,
    matches: {
      type: 'array',
      maxItems: 64,
      'x-kubernetes-list-type': 'atomic',
      description: 'A call matches the rule when it matches any entry; none means every call.',
      items: {
        type: 'object',
        description: 'Conditions that must all hold: method and headers.',
        properties: { headers: headerMatches, method: methodMatch },
      },
    },
    name: ruleName,
  },
};

/** Sum of matches over the (at most 16) rules; matches is optional here, unlike HTTPRoute. */
const totalMatchesRule =
  Array.from(
    { length: 16 },
    (_, i) => `(self.size() > ${i} ? (has(self[${i}].matches) ? self[${i}].matches.size() : 0) : 0)`,
  ).join(' + ') + ' <= 128';

const spec: Schema = {
  type: 'object',
  description: 'Where the route attaches, which hosts it serves, and its rules.',
  properties: {
    hostnames: routeHostnames,
    parentRefs,
    rules: {
      type: 'array',
      maxItems: 16,
      'x-kubernetes-list-type': 'atomic',
      description: 'The routing rules.',
      items: rule,
      'x-kubernetes-validations': [
        {
          message:
            'While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128',
          rule: totalMatchesRule,
        },
      ],
    },
  },
};

/** The schema of a GRPCRoute object. */
export const grpcRouteSchema: Schema = crdRoot({
  description: 'Routes gRPC calls arriving at Gateway listeners to backends.',
  spec,
  status: routeStatus,
  specRequired: true,
});
