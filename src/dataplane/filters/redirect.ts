/**
 * HTTPRoute RequestRedirect (gateway-api HTTPRequestRedirectFilter): the Location a redirect
 * answers with. Unset fields keep the request's scheme, hostname and path. Port rules from the
 * spec: an explicit port wins; else, when a scheme is set, its well-known port (http 80, https
 * 443); else the listener's port. The port is left out of Location when it is the scheme's
 * well-known port.
 */
import type { FiltersIR, MatchIR } from '../../ir/types.ts';
import { rewritePath } from './rewrite.ts';

export type RedirectIR = NonNullable<FiltersIR['redirect']>;

export interface RedirectContext {
  /** Scheme of the listener the request came in on. */
  readonly scheme: 'http' | 'https';
  /** Request hostname without port. */
  readonly hostname: string;
  /** Port of the listener the request came in on. */
  readonly listenerPort: number;
  /** Normalized request path (no query). */
  readonly path: string;
  /** Raw query ('' when none); kept on the redirect. */
  readonly query: string;
  /** The route's path match (ReplacePrefixMatch replaces its prefix). */
  readonly match: MatchIR['path'];
}

const WELL_KNOWN: Readonly<Record<string, number>> = { http: 80, https: 443 };

/** The Location header value for a redirect. */
export function redirectLocation(r: RedirectIR, ctx: RedirectContext): string {
  const scheme = r.scheme ?? ctx.scheme;
  const hostname = r.hostname ?? ctx.hostname;
  const port = r.port ?? (r.scheme !== undefined ? WELL_KNOWN[r.scheme] ?? ctx.listenerPort : ctx.listenerPort);
  const path = r.path ? rewritePath(ctx.path, r.path, ctx.match) : ctx.path;
  const showPort = WELL_KNOWN[scheme] !== port;
  const host = hostname.includes(':') ? `[${hostname}]` : hostname; // IPv6 literal
  const query = ctx.query === '' ? '' : `?${ctx.query}`;
  return `${scheme}://${host}${showPort ? `:${port}` : ''}${path}${query}`;
}
