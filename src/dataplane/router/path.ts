/**
 * Request-target handling: split the path from the query, and remove dot segments so that a
 * path like `/public/../admin` is routed as the backend will read it (`/admin`), not by its
 * first segment (RFC 3986 5.2.4). The normalized path is also what is forwarded.
 */

export interface RequestTarget {
  /** Path without query, dot segments removed; starts with `/`. */
  readonly path: string;
  /** Query string without `?` ('' when none). */
  readonly query: string;
}

/**
 * Parses an origin-form request target (`/path?query`). Returns undefined for other forms
 * (absolute-form, authority-form, `*`), which a gateway does not route.
 */
export function parseTarget(url: string): RequestTarget | undefined {
  if (url.length === 0 || url.charCodeAt(0) !== 47 /* / */) return undefined;
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  // Fragments are never sent by clients; if one is, it is not part of the path.
  const hash = rawPath.indexOf('#');
  const path = hash < 0 ? rawPath : rawPath.slice(0, hash);
  return { path: path.includes('/.') ? removeDotSegments(path) : path, query };
}

/** RFC 3986 5.2.4 remove_dot_segments for an absolute path. */
export function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  // segments[0] is '' (the path starts with '/').
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i] ?? '';
    const last = i === segments.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..' && out.length > 0) out.pop();
      if (last) out.push(''); // `/a/b/..` -> `/a/`
    } else {
      out.push(s);
    }
  }
  return '/' + out.join('/');
}

/**
 * Gateway API PathPrefix semantics: element-wise prefix, a trailing `/` in the prefix is ignored,
 * so `/foo` matches `/foo`, `/foo/` and `/foo/bar` but not `/foobar`.
 */
export function pathPrefixMatcher(prefix: string): (path: string) => boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (p === '') return () => true;
  const withSlash = p + '/';
  return (path) => path === p || path.startsWith(withSlash);
}

/**
 * ReplacePrefixMatch (HTTPRoute filters): the matched prefix is replaced, element-wise, so
 * `/prefix/one` -> `/one` turns `/prefix/one/two` into `/one/two`, and replacing with `/` turns
 * `/strip` into `/`. Both prefix and replacement are taken without their trailing `/`.
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  const r = replacement.endsWith('/') ? replacement.slice(0, -1) : replacement;
  const rest = path.slice(p.length); // '' or starts with '/' when the PathPrefix matcher matched
  const out = r + rest;
  return out === '' ? '/' : out.startsWith('/') ? out : '/' + out;
}
