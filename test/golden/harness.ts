/**
 * Golden harness for translate (Envoy Gateway style): `<case>.in.yaml` -> `<case>.out.yaml`.
 *
 * Input: multi-document YAML. Certificates are never committed: string values may contain
 * placeholders that are replaced with PEM generated at test time (src/pki/generate.ts):
 *   {{CA:name}}                 CA certificate `name`
 *   {{LEAF:name:k=v,k=v}}       declares leaf `name` (ca=<ca, default "default">, dns=<name>
 *                               (repeatable), uri=<uri> (repeatable), usage=server|client|both)
 *                               and expands to its certificate
 *   {{TLS_CRT:name}} {{TLS_KEY:name}}  certificate / private key of leaf `name`
 * In Secret `data`, a value containing a placeholder is base64-encoded after expansion.
 * A document `kind: TestStep` (fields: `now`, `delete: [Kind/namespace/name]`) starts the next
 * translation step; its following documents are upserted into the previous step's objects, and
 * the previous statuses are passed in (lastTransitionTime carry-over).
 * Metadata defaults: namespace `default` (namespaced kinds), creationTimestamp
 * 2026-01-01T00:00:00Z, generation 1.
 *
 * Output: the IR, every status and the diagnostics of each step, with generated PEMs mapped back
 * to placeholders and TLS profile ids to `{{PROFILE_ID:n}}` (n = order of first appearance).
 */
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { objectKey } from '../../src/api/meta.ts';
import { kindInfo } from '../../src/api/kinds.ts';
import { createCa, type CertificateAuthority, type IssuedCertificate } from '../../src/pki/generate.ts';
import { createSnapshot } from '../../src/store/create-snapshot.ts';
import { translate } from '../../src/translate/index.ts';
import type { ComputedStatus, TranslateResult } from '../../src/translate/types.ts';

export const DEFAULT_TIME = '2026-01-01T00:00:00Z';
const PLACEHOLDER = /\{\{(CA|LEAF|TLS_CRT|TLS_KEY):([A-Za-z0-9._-]+)(?::([^}]*))?\}\}/g;

/** Generated PKI of one case, with the reverse map used to stabilise outputs. */
export class CasePki {
  readonly cas = new Map<string, CertificateAuthority>();
  readonly leaves = new Map<string, IssuedCertificate>();
  /** PEM body (base64, no whitespace) -> placeholder. */
  readonly reverse = new Map<string, string>();

  async ca(name: string): Promise<CertificateAuthority> {
    let ca = this.cas.get(name);
    if (!ca) {
      ca = await createCa({ commonName: `golden ${name}` });
      this.cas.set(name, ca);
      this.reverse.set(pemBody(ca.certPem), `{{CA:${name}}}`);
      this.reverse.set(pemBody(ca.keyPem), `{{CA_KEY:${name}}}`);
    }
    return ca;
  }

  async leaf(name: string, opts = ''): Promise<IssuedCertificate> {
    let leaf = this.leaves.get(name);
    if (!leaf) {
      const o = parseOpts(opts);
      const ca = await this.ca(o.ca ?? 'default');
      const usage = (o.usage as 'server' | 'client' | 'both' | undefined) ?? 'both';
      leaf = await ca.issue({ dnsNames: o.dns.length > 0 ? o.dns : [name], uris: o.uri, usage });
      this.leaves.set(name, leaf);
      this.reverse.set(pemBody(leaf.certPem), `{{TLS_CRT:${name}}}`);
      this.reverse.set(pemBody(leaf.keyPem), `{{TLS_KEY:${name}}}`);
    }
    return leaf;
  }
}

function parseOpts(s: string): { ca?: string; usage?: string; dns: string[]; uri: string[] } {
  const out: { ca?: string; usage?: string; dns: string[]; uri: string[] } = { dns: [], uri: [] };
  for (const part of s.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq);
    const v = part.slice(eq + 1);
    if (k === 'dns') out.dns.push(v);
    else if (k === 'uri') out.uri.push(v);
    else if (k === 'ca') out.ca = v;
    else if (k === 'usage') out.usage = v;
  }
  return out;
}

function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
}

async function expand(pki: CasePki, text: string): Promise<string> {
  const found = [...text.matchAll(PLACEHOLDER)];
  let out = text;
  for (const m of found) {
    const [whole, type, name = '', opts] = m;
    let value: string;
    if (type === 'CA') value = (await pki.ca(name)).certPem;
    else if (type === 'LEAF') value = (await pki.leaf(name, opts)).certPem;
    else if (type === 'TLS_CRT') value = (await pki.leaf(name)).certPem;
    else value = (await pki.leaf(name)).keyPem;
    out = out.replace(whole, value);
  }
  return out;
}

async function expandValue(pki: CasePki, value: unknown, base64: boolean): Promise<unknown> {
  if (typeof value === 'string') {
    if (!PLACEHOLDER.test(value)) return value;
    PLACEHOLDER.lastIndex = 0;
    const expanded = await expand(pki, value);
    return base64 ? Buffer.from(expanded, 'utf8').toString('base64') : expanded;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => expandValue(pki, v, base64)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await expandValue(pki, v, base64);
    return out;
  }
  return value;
}

async function prepareObject(pki: CasePki, raw: Record<string, unknown>): Promise<KubeObject> {
  const obj = (await expandValue(pki, { ...raw, data: undefined }, false)) as KubeObject;
  if (raw['data'] !== undefined) obj['data'] = await expandValue(pki, raw['data'], raw['kind'] === 'Secret');
  else delete obj['data'];
  obj.metadata = { ...(obj.metadata ?? {}) };
  if (kindInfo(obj.kind)?.namespaced !== false) obj.metadata.namespace ??= 'default';
  obj.metadata.creationTimestamp ??= DEFAULT_TIME;
  obj.metadata.generation ??= 1;
  return obj;
}

export interface Step {
  readonly now: Date;
  readonly objects: readonly KubeObject[];
}

/** Parses a case into steps (each a full object set). */
export async function loadCase(pki: CasePki, text: string): Promise<Step[]> {
  // Declarations first, so {{TLS_CRT:x}} anywhere gets the SANs of {{LEAF:x:...}}.
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1] === 'LEAF') await pki.leaf(m[2] ?? '', m[3]);
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown> | null).filter((d): d is Record<string, unknown> => d !== null);
  const steps: Step[] = [];
  let current = new Map<string, KubeObject>();
  let now = new Date(DEFAULT_TIME);
  const flush = (): void => {
    steps.push({ now, objects: [...current.values()] });
  };
  for (const doc of docs) {
    if (doc['kind'] === 'TestStep') {
      flush();
      current = new Map(current);
      const at = doc['now'];
      now = typeof at === 'string' ? new Date(at) : new Date(now.getTime() + 3_600_000);
      for (const key of (doc['delete'] as string[] | undefined) ?? []) {
        const [kind = '', ns = '', name = ''] = key.split('/');
        current.delete(objectKey(kind, ns, name));
      }
      continue;
    }
    const obj = await prepareObject(pki, doc);
    current.set(objectKey(obj.kind, obj.metadata.namespace, obj.metadata.name ?? ''), obj);
  }
  flush();
  return steps;
}

/** Runs every step; returns each result. */
export function runSteps(steps: readonly Step[], defaultAddress?: string): TranslateResult[] {
  const results: TranslateResult[] = [];
  let previous: ReadonlyMap<string, ComputedStatus> | undefined;
  for (const [i, step] of steps.entries()) {
    const snapshot = createSnapshot(step.objects.map((object) => ({ object })), i + 1);
    const result = translate({ snapshot, now: step.now, ...(previous ? { previousStatuses: previous } : {}), ...(defaultAddress ? { defaultAddress } : {}) });
    results.push(result);
    previous = result.statuses;
  }
  return results;
}

/** Replaces generated PEMs with their placeholders, and profile ids with stable names. */
export function stabilise(pki: CasePki, value: unknown, ids = new Map<string, string>()): unknown {
  if (typeof value === 'string') {
    return value.replace(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g, (block) => pki.reverse.get(pemBody(block)) ?? '{{UNKNOWN_PEM}}');
  }
  if (Array.isArray(value)) return value.map((v) => stabilise(pki, v, ids));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'id' && typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) {
        if (!ids.has(v)) ids.set(v, `{{PROFILE_ID:${ids.size + 1}}}`);
        out[k] = ids.get(v);
      } else {
        out[k] = stabilise(pki, v, ids);
      }
    }
    return out;
  }
  return value;
}

/** The output document of a case. */
export function render(pki: CasePki, results: readonly TranslateResult[]): unknown {
  const ids = new Map<string, string>();
  const one = (r: TranslateResult): unknown => ({
    ir: r.ir,
    statuses: [...r.statuses.values()],
    diagnostics: r.diagnostics,
  });
  const doc = results.length === 1 && results[0] ? one(results[0]) : { steps: results.map(one) };
  return stabilise(pki, doc, ids);
}
