/**
 * The verdict the Kubernetes API server would give for one manifest object, as Diagnostics with
 * file, line, column and field path (design.md "validation/").
 *
 * Steps, in the API server's order:
 *  1. apiVersion and kind are known and served (api/kinds.ts); deprecated versions warn.
 *  2. status is dropped (every kind here has a status subresource: the API server ignores status
 *     written on create), metadata is checked and defaulted (namespace `default`).
 *  3. Gateway API kinds: schema defaults (a pass of its own), structural validation, then the
 *     CRD's CEL rules. Core kinds: the API server's hand-written checks (validation/core/).
 *  4. Implementation checks beyond the API server: what lastmile will reject in status
 *     (warnings carrying the condition), validation/implementation/.
 * The schema engine is hand-written rather than ajv; schema/structural.ts says why (the API
 * server's message format, defaulting before validation, list-map semantics, per-node CEL with
 * source positions).
 */
import type { KubeObject } from '../api/meta.ts';
import { KINDS, kindInfo, parseApiVersion, type KindInfo } from '../api/kinds.ts';
import type { SourcedObject } from '../sources/origin.ts';
import { hasErrors, type Diagnostic } from './diagnostic.ts';
import { Reporter } from './report.ts';
import { checkMetadata } from './metadata.ts';
import { schemaFor } from './schema/index.ts';
import { applyDefaults } from './schema/defaults.ts';
import { validateStructure } from './schema/structural.ts';
import { runCelRules } from './schema/cel.ts';
import { checkCoreKind } from './core/index.ts';
import { implementationChecks } from './implementation/index.ts';
import { deepCopy, isPlainObject } from './values.ts';
import { jsonType } from './messages.ts';

export interface ValidationResult {
  /** The defaulted copy, present iff there is no error (warnings allowed). */
  readonly object?: KubeObject;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Validates one parsed manifest document. Never throws: bad input of any shape becomes
 * diagnostics, and an unexpected internal failure becomes an `internal_error` diagnostic.
 */
export function validateObject(doc: SourcedObject): ValidationResult {
  const r = new Reporter(doc);
  try {
    const obj = run(doc, r);
    if (obj !== undefined && !hasErrors(r.diagnostics)) return { object: obj, diagnostics: r.diagnostics };
  } catch (err) {
    r.error('internal_error', [], `validation failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { diagnostics: r.diagnostics };
}

function run(doc: SourcedObject, r: Reporter): KubeObject | undefined {
  const raw = doc.object;
  if (!isPlainObject(raw)) {
    r.error('not_an_object', [], `a manifest must be a mapping with apiVersion and kind, not ${raw === null || raw === undefined ? 'an empty document' : `a ${jsonType(raw)}`}`);
    return undefined;
  }
  const info = resolveType(raw, r);
  if (info === undefined) return undefined;
  r.identity.kind = info.kind;

  let obj: Record<string, unknown>;
  try {
    obj = deepCopy(raw);
  } catch (err) {
    // Only absurd nesting gets here (no Kubernetes object is 1000 levels deep).
    r.error('schema_limit', [], err instanceof Error ? err.message : String(err));
    return undefined;
  }
  obj['kind'] = info.kind;
  delete obj['status'];
  checkMetadata(obj, { namespaced: info.namespaced, nameRule: info.kind === 'Service' ? 'dns1035Label' : 'dns1123Subdomain' }, r);
  // After metadata, so the warning names the object fully (namespace included).
  const deprecation = info.deprecatedVersions?.[parseApiVersion(String(obj['apiVersion'])).version];
  if (deprecation !== undefined) r.warning('deprecated_version', ['apiVersion'], deprecation);

  if (info.gatewayApi) {
    const schema = schemaFor(info.kind);
    if (schema !== undefined) {
      applyDefaults(obj, schema);
      validateStructure(obj, schema, [], r);
      // The API server runs CEL even when other schema checks failed; values of the wrong type
      // are skipped inside runCelRules.
      runCelRules(obj, schema, [], r);
    }
  } else {
    checkCoreKind(info.kind, obj, r);
  }
  if (!hasErrors(r.diagnostics)) implementationChecks(info.kind, obj, r);
  return obj as KubeObject;
}

/** Step 1: apiVersion and kind, with kubectl's and the API server's wording. */
function resolveType(raw: Record<string, unknown>, r: Reporter): KindInfo | undefined {
  const apiVersion = raw['apiVersion'];
  const kind = raw['kind'];
  const meta = raw['metadata'];
  if (isPlainObject(meta)) {
    if (typeof meta['name'] === 'string') r.identity.name = meta['name'];
    if (typeof meta['namespace'] === 'string') r.identity.namespace = meta['namespace'];
  }
  let ok = true;
  if (typeof kind !== 'string' || kind === '') {
    r.error('unknown_kind', ['kind'], 'kind not set');
    ok = false;
  } else {
    r.identity.kind = kind;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    r.error('unknown_version', ['apiVersion'], 'apiVersion not set');
    ok = false;
  }
  if (!ok) return undefined;
  const kindStr = kind as string;
  const apiVersionStr = apiVersion as string;

  const info = kindInfo(kindStr);
  if (info === undefined) {
    const near = KINDS.find((k) => k.kind.toLowerCase() === kindStr.toLowerCase());
    const hint = near !== undefined ? ` (kinds are case-sensitive: did you mean "${near.kind}"?)` : ` (lastmile reads ${KINDS.map((k) => k.kind).join(', ')})`;
    r.error('unknown_kind', ['kind'], `no matches for kind "${kindStr}" in version "${apiVersionStr}"${hint}`);
    return undefined;
  }
  const { group, version } = parseApiVersion(apiVersionStr);
  if (group !== info.group || !info.versions.includes(version)) {
    const served = info.versions.map((v) => (info.group === '' ? v : `${info.group}/${v}`)).map((v) => `"${v}"`).join(', ');
    r.error('unknown_version', ['apiVersion'], `no matches for kind "${kindStr}" in version "${apiVersionStr}" (served versions: ${served})`);
    return undefined;
  }
  return info;
}
