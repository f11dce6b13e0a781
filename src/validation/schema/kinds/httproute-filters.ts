/**
 * HTTPRoute filters (gateway.networking.k8s.io/v1): header modifiers, mirror, redirect, rewrite,
 * CORS and extension filters. The same filter list is allowed on a rule and on each backendRef,
 * so it is stated once here.
 */
import type { Schema } from '../types.ts';
import { preciseHostname, portNumber } from './common.ts';
import { extensionRef, filterTypeRules, headerModifier, noRepeatRules, requestMirror } from './route-common.ts';

/** How a redirect or rewrite changes the path. */
const pathModifier: Schema = {
  type: 'object',
  required: ['type'],
  description: 'Replace the whole path, or only the part the PathPrefix match matched.',
  properties: {
    replaceFullPath: { type: 'string', maxLength: 1024, description: 'New path, for type ReplaceFullPath.' },
    replacePrefixMatch: {
      type: 'string',
      maxLength: 1024,
      description: 'What replaces the matched prefix, for type ReplacePrefixMatch.',
    },
    type: {
      type: 'string',
      enum: ['ReplaceFullPath', 'ReplacePrefixMatch'],
      description: 'Which of the two kinds of path change applies.',
    },
  },
  'x-kubernetes-validations': [
    {
      message: "replaceFullPath must be specified when type is set to 'ReplaceFullPath'",
      rule: "self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true",
    },
    {
      message: "type must be 'ReplaceFullPath' when replaceFullPath is set",
      rule: "has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true",
    },
    {
      message: "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
      rule: "self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true",
    },
    {
      message: "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set",
      rule: "has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true",
    },
  ],
};

const requestRedirect: Schema = {
  type: 'object',
  description: 'Answer with a redirect instead of forwarding. Unset parts keep the request values.',
  properties: {
    hostname: { ...preciseHostname, description: 'Host to redirect to.' },
    path: { ...pathModifier, description: 'Path to redirect to.' },
    port: { ...portNumber, description: 'Port to redirect to; omitted from Location when it is the scheme default.' },
    scheme: { type: 'string', enum: ['http', 'https'], description: 'Scheme to redirect to.' },
    statusCode: {
      type: 'integer',
      enum: [301, 302, 303, 307, 308],
      default: 302,
      description: 'HTTP status of the redirect.',
    },
  },
};

const urlRewrite: Schema = {
  type: 'object',
  description: 'Change the Host and/or path before forwarding to the backend.',
  properties: {
    hostname: { ...preciseHostname, description: 'Host header value sent to the backend.' },
    path: { ...pathModifier, description: 'Path sent to the backend.' },
  },
};

/** Header value tokens for CORS lists. */
const corsHeaderList = (description: string): Schema => ({
  type: 'array',
  maxItems: 64,
  'x-kubernetes-list-type': 'set',
  description,
  items: {
    type: 'string',
    minLength: 1,
    maxLength: 256,
    pattern: String.raw`^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$`,
  },
});

const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

const cors: Schema = {
  type: 'object',
  description: 'Answer CORS preflight requests and add CORS headers to responses.',
  properties: {
    allowCredentials: { type: 'boolean', description: 'Whether browsers may send credentials.' },
    allowHeaders: {
      ...corsHeaderList('Request headers a cross-origin request may carry; "*" allows any.'),
      'x-kubernetes-validations': [
        { message: "AllowHeaders cannot contain '*' alongside other methods", rule: "!('*' in self && self.size() > 1)" },
      ],
    },
    allowMethods: {
      type: 'array',
      maxItems: 9,
      'x-kubernetes-list-type': 'set',
      description: 'Methods a cross-origin request may use; "*" allows any.',
      items: { type: 'string', enum: [...httpMethods, '*'] },
      'x-kubernetes-validations': [
        { message: "AllowMethods cannot contain '*' alongside other methods", rule: "!('*' in self && self.size() > 1)" },
      ],
    },
    allowOrigins: {
      type: 'array',
      maxItems: 64,
      'x-kubernetes-list-type': 'set',
      description: 'Origins allowed to make cross-origin requests; "*" allows any.',
      items: {
        type: 'string',
        minLength: 1,
        maxLength: 253,
        pattern: String.raw`(^\*$)|(^(http(s)?):\/\/(((\*\.)?([a-zA-Z0-9\-]+\.)*[a-zA-Z0-9-]+|\*)(:([0-9]{1,5}))?)$)`,
      },
      'x-kubernetes-validations': [
        { message: "AllowOrigins cannot contain '*' alongside other origins", rule: "!('*' in self && self.size() > 1)" },
      ],
    },
    exposeHeaders: corsHeaderList('Response headers a browser script may read.'),
    maxAge: {
      type: 'integer',
      format: 'int32',
      minimum: 1,
      default: 5,
      description: 'Seconds a browser may cache the preflight answer.',
    },
  },
};

/** One HTTPRoute filter: a type and the field that configures it. */
const httpRouteFilter: Schema = {
  type: 'object',
  required: ['type'],
  description: 'A change made to the request or response on its way through.',
  properties: {
    cors,
    extensionRef,
    requestHeaderModifier: headerModifier('Change request headers before forwarding.'),
    requestMirror,
    requestRedirect,
    responseHeaderModifier: headerModifier('Change response headers before returning them.'),
    type: {
      type: 'string',
      enum: [
        'RequestHeaderModifier',
        'ResponseHeaderModifier',
        'RequestMirror',
        'RequestRedirect',
        'URLRewrite',
        'ExtensionRef',
        'CORS',
      ],
      description: 'Which filter this is; the field of the same name configures it.',
    },
    urlRewrite,
  },
  'x-kubernetes-validations': filterTypeRules([
    ['cors', 'CORS'],
    ['requestHeaderModifier', 'RequestHeaderModifier'],
    ['responseHeaderModifier', 'ResponseHeaderModifier'],
    ['requestMirror', 'RequestMirror'],
    ['requestRedirect', 'RequestRedirect'],
    ['urlRewrite', 'URLRewrite'],
    ['extensionRef', 'ExtensionRef'],
  ]),
};

/** The filters of an HTTPRoute rule or backendRef, applied in order. */
export const httpRouteFilters: Schema = {
  type: 'array',
  maxItems: 16,
  'x-kubernetes-list-type': 'atomic',
  items: httpRouteFilter,
  description: 'Filters applied in order. Redirect and rewrite exclude each other; most types at most once.',
  'x-kubernetes-validations': [
    {
      message: 'May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both',
      rule: "!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))",
    },
    ...noRepeatRules(['CORS', 'RequestHeaderModifier', 'ResponseHeaderModifier', 'RequestRedirect', 'URLRewrite']),
  ],
};

/** HTTP methods a match may name. */
export const httpMethodEnum: readonly string[] = httpMethods;
