/**
 * HTTPRoute (gateway.networking.k8s.io/v1, the storage version; v1beta1 has the same schema):
 * how HTTP requests that reach a Gateway listener are matched and where they go. Facts (limits,
 * patterns, defaults, CEL rules) are those of the Gateway API v1.6.1 standard-channel CRD.
 */
import type { Schema } from '../types.ts';
import { crdRoot } from './common.ts';
import { httpMethodEnum, httpRouteFilters } from './httproute-filters.ts';
import { backendRef, headerMatches, headerName, parentRefs, routeHostnames, routeStatus, ruleName } from './route-common.ts';

/** The path rules apply only to Exact and PathPrefix matches: those must be clean absolute paths. */
const cleanPathRules = (
  [
    ["value must be an absolute path and start with '/'", "self.value.startsWith('/')"],
    ["must not contain '//'", "!self.value.contains('//')"],
    ["must not contain '/./'", "!self.value.contains('/./')"],
    ["must not contain '/../'", "!self.value.contains('/../')"],
    ["must not contain '%2f'", "!self.value.contains('%2f')"],
    ["must not contain '%2F'", "!self.value.contains('%2F')"],
    ["must not contain '#'", "!self.value.contains('#')"],
    ["must not end with '/..'", "!self.value.endsWith('/..')"],
    ["must not end with '/.'", "!self.value.endsWith('/.')"],
  ] as const
).map(([what, check]) => ({
  message: `${what} when type one of ['Exact', 'PathPrefix']`,
  rule: `(self.type in ['Exact','PathPrefix']) ? ${check} : true`,
}));

const pathMatch: Schema = {
  type: 'object',
  default: { type: 'PathPrefix', value: '/' },
  description: 'How the request path is matched. Defaults to the prefix "/", which matches everything.',
  properties: {
    type: {
      type: 'string',
      enum: ['Exact', 'PathPrefix', 'RegularExpression'],
      default: 'PathPrefix',
      description: 'Exact path, path prefix (whole segments), or regular expression.',
    },
    value: { type: 'string', maxLength: 1024, default: '/', description: 'The path or pattern to match.' },
  },
  'x-kubernetes-validations': [
    ...cleanPathRules,
    {
      message: "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
      rule: "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'",
    },
    {
      message:
        "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
      rule: String.raw`(self.type in ['Exact','PathPrefix']) ? self.value.matches(r"""^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$""") : true`,
    },
  ],
};

const queryParamMatches: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
  description: 'Query parameters that must all match. Each name at most once.',
  items: {
    type: 'object',
    required: ['name', 'value'],
    properties: {
      name: { ...headerName, description: 'Query parameter name; compared exactly (case-sensitive).' },
      type: {
        type: 'string',
        enum: ['Exact', 'RegularExpression'],
        default: 'Exact',
        description: 'How value is compared.',
      },
      value: { type: 'string', minLength: 1, maxLength: 1024, description: 'Value to compare with.' },
    },
  },
};

const defaultMatches = [{ path: { type: 'PathPrefix', value: '/' } }];

const matches: Schema = {
  type: 'array',
  maxItems: 64,
  'x-kubernetes-list-type': 'atomic',
  default: defaultMatches,
  description: 'A request matches the rule when it matches any entry. Defaults to every path.',
  items: {
    type: 'object',
    description: 'Conditions that must all hold: path, headers, query parameters, method.',
    properties: {
      headers: headerMatches,
      method: { type: 'string', enum: httpMethodEnum, description: 'HTTP method to match.' },
      path: pathMatch,
      queryParams: queryParamMatches,
    },
  },
};

const duration: Schema = {
  type: 'string',
  pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$',
};

const timeouts: Schema = {
  type: 'object',
  description: 'Time limits for requests handled by this rule.',
  properties: {
    backendRequest: {
      ...duration,
      description: 'Limit for one attempt to the backend, e.g. "10s". "0s" means none.',
    },
    request: { ...duration, description: 'Limit for the whole request from the client, e.g. "30s". "0s" means none.' },
  },
  'x-kubernetes-validations': [
    {
      message: 'backendRequest timeout cannot be longer than request timeout',
      rule: "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))",
    },
  ],
};

/** Rule-level: a ReplacePrefixMatch path change needs exactly one PathPrefix match to replace. */
function prefixRewriteRule(where: 'rule' | 'backendRefs', filter: 'requestRedirect' | 'urlRewrite'): {
  message: string;
  rule: string;
} {
  const name = filter === 'requestRedirect' ? 'RequestRedirect' : 'URLRewrite';
  const hasFilter = `has(f.${filter}) && has(f.${filter}.path) && f.${filter}.path.type == 'ReplacePrefixMatch' && has(f.${filter}.path.replacePrefixMatch)`;
  const onePrefix =
    "((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true)";
  if (where === 'rule') {
    return {
      message: `When using ${name} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`,
      rule: `(has(self.filters) && self.filters.exists_one(f, ${hasFilter})) ? ${onePrefix} : true`,
    };
  }
  // The CRD's two backendRefs messages differ in capitalisation ("when" / "When"); kept verbatim.
  const lead = filter === 'requestRedirect' ? 'when' : 'When';
  return {
    message: `Within backendRefs, ${lead} using ${name} filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified`,
    rule: `(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, ${hasFilter})) )) ? ${onePrefix} : true`,
  };
}

const rule: Schema = {
  type: 'object',
  description: 'Which requests (matches), what to do to them (filters) and where to send them (backendRefs).',
  properties: {
    backendRefs: {
      type: 'array',
      maxItems: 16,
      'x-kubernetes-list-type': 'atomic',
      description: 'Backends to send matching requests to, split by weight. None (and no redirect) answers 500.',
      items: backendRef({ ...httpRouteFilters, description: 'Filters applied only when this backend is chosen.' }),
    },
    filters: httpRouteFilters,
    matches,
    name: ruleName,
    timeouts,
  },
  'x-kubernetes-validations': [
    {
      message: 'RequestRedirect filter must not be used together with backendRefs',
      rule: '(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true',
    },
    prefixRewriteRule('rule', 'requestRedirect'),
    prefixRewriteRule('rule', 'urlRewrite'),
    prefixRewriteRule('backendRefs', 'requestRedirect'),
    prefixRewriteRule('backendRefs', 'urlRewrite'),
  ],
};

/** Sum of matches over the (at most 16) rules, unrolled because CEL cost limits forbid a fold. */
const totalMatchesRule =
  Array.from({ length: 16 }, (_, i) => `(self.size() > ${i} ? self[${i}].matches.size() : 0)`).join(' + ') + ' <= 128';

const spec: Schema = {
  type: 'object',
  description: 'Where the route attaches, which hosts it serves, and its rules.',
  properties: {
    hostnames: routeHostnames,
    parentRefs,
    rules: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      'x-kubernetes-list-type': 'atomic',
      default: [{ matches: defaultMatches }],
      description: 'The routing rules. Defaults to one rule matching every path (with no backends).',
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

/** The schema of an HTTPRoute object. */
export const httpRouteSchema: Schema = crdRoot({
  description: 'Routes HTTP requests arriving at Gateway listeners to backends.',
  spec,
  status: routeStatus,
  specRequired: true,
});
