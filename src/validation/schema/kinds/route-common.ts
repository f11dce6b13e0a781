/**
 * Fragments shared by the route kinds (HTTPRoute, GRPCRoute, TLSRoute): parent references with
 * their uniqueness rules, hostnames, backend references, header matching and modification, the
 * request mirror, and the route status. Stated once here because the CRDs repeat them verbatim in
 * every place they appear (rule filters and backendRef filters, each route kind).
 */
import type { CelRule, Schema } from '../types.ts';
import {
  conditions,
  gatewayController,
  group,
  hostname,
  kind,
  localObjectReference,
  namespace,
  objectName,
  parentReference,
  portNumber,
  sectionName,
} from './common.ts';

/** An HTTP header or query parameter name (RFC 7230 token characters). */
export const headerName: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  pattern: String.raw`^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$`,
  description: 'Header name; compared case-insensitively.',
};

/** The hostnames a route answers for; wildcards allowed in the first label. */
export const routeHostnames: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'atomic',
  items: hostname,
  description:
    'Host header (or SNI) values this route answers for. Intersected with the listener hostname; empty means all the listener accepts.',
};

/**
 * `parentRefs` of a route. The two rules make references to the same parent distinguishable:
 * either all or none name a sectionName, and no two name the same one. The CRD escapes the
 * `namespace` property as `__namespace__` (a CEL reserved word); kept verbatim.
 */
export const parentRefs: Schema = {
  type: 'array',
  maxItems: 32,
  'x-kubernetes-list-type': 'atomic',
  items: parentReference,
  description: 'The Gateways (and optionally listeners or ports) this route wants to attach to.',
  'x-kubernetes-validations': [
    {
      message:
        'sectionName must be specified when parentRefs includes 2 or more references to the same parent',
      rule: "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))",
    },
    {
      message:
        'sectionName must be unique when parentRefs includes 2 or more references to the same parent',
      rule: "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))",
    },
  ],
};

/** Optional name of a route rule, so policies and status can point at it. */
export const ruleName: Schema = {
  ...sectionName,
  description: 'Optional name of this rule, unique within the route.',
};

const servicePortRule: CelRule = {
  message: 'Must have port for Service reference',
  rule: "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true",
};

/** A reference to a backend (a Service unless group/kind say otherwise). */
export const backendObjectReference: Schema = {
  type: 'object',
  required: ['name'],
  description: 'A backend to send traffic to: a Service by default.',
  properties: {
    group: { ...group, default: '', description: 'API group of the backend; empty for the core group.' },
    kind: { ...kind, default: 'Service', description: 'Kind of the backend.' },
    name: { ...objectName, description: 'Name of the backend object.' },
    namespace: {
      ...namespace,
      description: "Namespace of the backend; defaults to the route's. Another namespace needs a ReferenceGrant.",
    },
    port: {
      ...portNumber,
      description: 'Destination port. Required when the backend is a Service.',
    },
  },
  'x-kubernetes-validations': [servicePortRule],
};

/** Relative weight of a backend among the rule's backends. */
export const backendWeight: Schema = {
  type: 'integer',
  format: 'int32',
  minimum: 0,
  maximum: 1000000,
  default: 1,
  description: 'Share of requests this backend receives, relative to the others in the rule. 0 sends none.',
};

/** A backendRef of a route rule: the backend, its weight and (HTTP/gRPC) per-backend filters. */
export function backendRef(filters?: Schema): Schema {
  const properties: Record<string, Schema> = {
    ...backendObjectReference.properties,
    weight: backendWeight,
  };
  if (filters) properties['filters'] = filters;
  return { ...backendObjectReference, description: 'A backend and its weight.', properties };
}

/** A list of header name/value pairs keyed by name. */
function headerValueList(what: string): Schema {
  return {
    type: 'array',
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
    description: what,
    items: {
      type: 'object',
      required: ['name', 'value'],
      properties: {
        name: headerName,
        value: { type: 'string', minLength: 1, maxLength: 4096, description: 'Header value.' },
      },
    },
  };
}

/** Header modifier: set (overwrite), add (append) and remove headers. */
export function headerModifier(description: string): Schema {
  return {
    type: 'object',
    description,
    properties: {
      add: headerValueList('Headers to append to (not replace) any existing values.'),
      remove: {
        type: 'array',
        maxItems: 16,
        'x-kubernetes-list-type': 'set',
        items: { type: 'string' },
        description: 'Names of headers to drop (case-insensitive).',
      },
      set: headerValueList('Headers to overwrite, or add when absent.'),
    },
  };
}

/** Exact or regular expression match of one header (HTTP and gRPC routes). */
export const headerMatch: Schema = {
  type: 'object',
  required: ['name', 'value'],
  description: 'One header that must be present with a matching value.',
  properties: {
    name: headerName,
    type: {
      type: 'string',
      enum: ['Exact', 'RegularExpression'],
      default: 'Exact',
      description: 'How value is compared.',
    },
    value: { type: 'string', minLength: 1, maxLength: 4096, description: 'Value to compare with.' },
  },
};

/** The list of header matches (all must match). */
export const headerMatches: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
  items: headerMatch,
  description: 'Headers that must all match. Each header name at most once.',
};

/** Copy requests to another backend, ignoring its responses. */
export const requestMirror: Schema = {
  type: 'object',
  required: ['backendRef'],
  description: 'Send a copy of requests to another backend; its responses are dropped.',
  properties: {
    backendRef: { ...backendObjectReference, description: 'Where copies go.' },
    fraction: {
      type: 'object',
      required: ['numerator'],
      description: 'Share of requests to mirror, as numerator/denominator.',
      properties: {
        denominator: { type: 'integer', format: 'int32', minimum: 1, default: 100, description: 'Denominator of the share.' },
        numerator: { type: 'integer', format: 'int32', minimum: 0, description: 'Numerator of the share.' },
      },
      'x-kubernetes-validations': [
        { message: 'numerator must be less than or equal to denominator', rule: 'self.numerator <= self.denominator' },
      ],
    },
    percent: {
      type: 'integer',
      format: 'int32',
      minimum: 0,
      maximum: 100,
      description: 'Share of requests to mirror, in percent.',
    },
  },
  'x-kubernetes-validations': [
    {
      message: 'Only one of percent or fraction may be specified in HTTPRequestMirrorFilter',
      rule: '!(has(self.percent) && has(self.fraction))',
    },
  ],
};

/** A filter implemented by an extension, named by group/kind/name. */
export const extensionRef: Schema = {
  ...localObjectReference,
  description: 'An implementation-specific filter object. lastmile supports none.',
};

/**
 * The CRD pairs each filter type with the field that configures it: the field must be set for
 * its type and only for it. Generated from [field, type] pairs in CRD order.
 */
export function filterTypeRules(pairs: readonly (readonly [field: string, type: string])[]): CelRule[] {
  return pairs.flatMap(([field, type]) => [
    {
      message: `filter.${field} must be nil if the filter.type is not ${type}`,
      rule: `!(has(self.${field}) && self.type != '${type}')`,
    },
    {
      message: `filter.${field} must be specified for ${type} filter.type`,
      rule: `!(!has(self.${field}) && self.type == '${type}')`,
    },
  ]);
}

/** "X filter cannot be repeated" rules for the given filter types. */
export function noRepeatRules(types: readonly string[]): CelRule[] {
  return types.map((type) => ({
    message: `${type} filter cannot be repeated`,
    rule: `self.filter(f, f.type == '${type}').size() <= 1`,
  }));
}

/** Status of a route: one entry per parent (and controller) it tried to attach to. */
export const routeStatus: Schema = {
  type: 'object',
  required: ['parents'],
  description: 'What the controllers did with this route, per parent.',
  properties: {
    parents: {
      type: 'array',
      maxItems: 32,
      'x-kubernetes-list-type': 'atomic',
      description: 'One entry per parent and controller that handles the route.',
      items: {
        type: 'object',
        required: ['conditions', 'controllerName', 'parentRef'],
        properties: {
          conditions: {
            ...conditions,
            minItems: 1,
            description: 'Accepted, ResolvedRefs and similar conditions for this parent.',
          },
          controllerName: { ...gatewayController, description: 'The controller that wrote this entry.' },
          parentRef: { ...parentReference, description: 'The parent this entry is about.' },
        },
      },
    },
  },
};
