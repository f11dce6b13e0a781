/**
 * Route and backend filters to the IR: header modifiers, RequestRedirect, URLRewrite.
 * Unsupported types (RequestMirror, ExtensionRef, CORS, ExternalAuth, ...) are reported, never
 * silently skipped: a skipped filter could e.g. drop an auth step, so the caller makes requests
 * that would have gone through it answer 500 (HTTPRoute filter rules: "MUST NOT be skipped").
 */
import type { HTTPHeaderFilter, HTTPPathModifier, HTTPRouteFilter } from '../../api/gateway-api.ts';
import type { FiltersIR, HeaderModifierIR } from '../../ir/types.ts';

export interface FilterResult {
  readonly filters: FiltersIR;
  /** Filter types present but not supported. */
  readonly unsupported: readonly string[];
}

function headerModifier(f: HTTPHeaderFilter | undefined): HeaderModifierIR {
  return {
    set: (f?.set ?? []).map((h) => ({ name: h.name, value: h.value })),
    add: (f?.add ?? []).map((h) => ({ name: h.name, value: h.value })),
    remove: [...(f?.remove ?? [])],
  };
}

function pathModifier(p: HTTPPathModifier | undefined): { type: 'ReplaceFullPath' | 'ReplacePrefixMatch'; value: string } | undefined {
  if (!p) return undefined;
  return p.type === 'ReplaceFullPath'
    ? { type: 'ReplaceFullPath', value: p.replaceFullPath ?? '/' }
    : { type: 'ReplacePrefixMatch', value: p.replacePrefixMatch ?? '/' };
}

/** Converts a filter list. Later filters of the same type replace earlier ones (the CRD allows one). */
export function convertFilters(list: readonly HTTPRouteFilter[] | undefined): FilterResult {
  const filters: { -readonly [K in keyof FiltersIR]: FiltersIR[K] } = {};
  const unsupported: string[] = [];
  for (const f of list ?? []) {
    switch (f.type) {
      case 'RequestHeaderModifier':
        filters.requestHeaders = headerModifier(f.requestHeaderModifier);
        break;
      case 'ResponseHeaderModifier':
        filters.responseHeaders = headerModifier(f.responseHeaderModifier);
        break;
      case 'RequestRedirect': {
        const r = f.requestRedirect ?? {};
        const path = pathModifier(r.path);
        filters.redirect = {
          ...(r.scheme ? { scheme: r.scheme } : {}),
          ...(r.hostname ? { hostname: r.hostname } : {}),
          ...(path ? { path } : {}),
          ...(r.port !== undefined ? { port: r.port } : {}),
          statusCode: r.statusCode ?? 302,
        };
        break;
      }
      case 'URLRewrite': {
        const u = f.urlRewrite ?? {};
        const path = pathModifier(u.path);
        filters.urlRewrite = { ...(u.hostname ? { hostname: u.hostname } : {}), ...(path ? { path } : {}) };
        break;
      }
      default:
        if (!unsupported.includes(f.type)) unsupported.push(f.type);
    }
  }
  return { filters, unsupported };
}
