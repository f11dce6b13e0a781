/**
 * metadata checks as the API server makes them (ValidateObjectMeta), and strict decoding of
 * ObjectMeta's known fields as `kubectl apply` (server-side strict field validation) does.
 */
import type { Reporter } from './report.ts';
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from './names.ts';
import { invalid, required, forbidden, jsonType } from './messages.ts';
import { isPlainObject } from './values.ts';

/** The fields of metav1.ObjectMeta; anything else is an unknown field. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

const STRING_FIELDS = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'];

/** Total size limit of all annotations (TotalAnnotationSizeLimitB). */
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

export interface MetadataRules {
  readonly namespaced: boolean;
  /** Kinds whose names are DNS-1035 labels (Service) rather than DNS-1123 subdomains. */
  readonly nameRule: 'dns1123Subdomain' | 'dns1035Label';
}

/**
 * Checks `metadata` in place on the (already copied) object, and applies the API server's
 * metadata defaults: `namespace: default` for namespaced kinds, no namespace for cluster-scoped ones.
 */
export function checkMetadata(obj: Record<string, unknown>, rules: MetadataRules, r: Reporter): void {
  let meta = obj['metadata'];
  if (meta === undefined || meta === null) {
    meta = {};
    obj['metadata'] = meta;
  }
  if (!isPlainObject(meta)) {
    r.error('schema_type', ['metadata'], invalid(jsonType(meta), `metadata in body must be of type object: ${JSON.stringify(jsonType(meta))}`));
    return;
  }
  // Identity first, so every diagnostic below names the object fully.
  if (rules.namespaced && (meta['namespace'] === undefined || meta['namespace'] === null || meta['namespace'] === '')) meta['namespace'] = 'default';
  r.identity.namespace = rules.namespaced && typeof meta['namespace'] === 'string' ? meta['namespace'] : undefined;

  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key)) r.error('schema_unknown_field', ['metadata', key], `unknown field "metadata.${key}"`);
  }
  for (const key of STRING_FIELDS) {
    const v = meta[key];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      r.error('schema_type', ['metadata', key], invalid(jsonType(v), `metadata.${key} in body must be of type string: ${JSON.stringify(jsonType(v))}`));
      delete meta[key];
    }
  }

  const name = meta['name'];
  if (typeof name === 'string' && name !== '') {
    r.identity.name = name;
    const errs = rules.nameRule === 'dns1035Label' ? dns1035Label(name) : dns1123Subdomain(name);
    for (const msg of errs) r.error('metadata', ['metadata', 'name'], invalid(name, msg));
  } else {
    // kubectl apply cannot use generateName (it needs a name to find the object again).
    r.error('metadata', ['metadata', 'name'], required('name or generateName is required'));
  }

  const ns = meta['namespace'];
  if (rules.namespaced) {
    if (typeof ns === 'string') for (const msg of dns1123Label(ns)) r.error('metadata', ['metadata', 'namespace'], invalid(ns, msg));
  } else if (ns !== undefined && ns !== null && ns !== '') {
    // The API server clears the namespace of cluster-scoped objects before validating (BeforeCreate).
    r.warning('metadata', ['metadata', 'namespace'], forbidden('not allowed on this type; ignored (the kind is cluster-scoped)'));
    delete meta['namespace'];
  }

  checkStringMap(meta, 'labels', r, (key, value) => {
    for (const msg of qualifiedName(key)) r.error('metadata', ['metadata', 'labels', key], invalid(key, msg), { field: 'metadata.labels' });
    for (const msg of labelValue(value)) r.error('metadata', ['metadata', 'labels', key], invalid(value, msg), { field: 'metadata.labels' });
  });
  let annotationBytes = 0;
  checkStringMap(meta, 'annotations', r, (key, value) => {
    // ValidateAnnotations lower-cases the key first: annotation keys may use upper case.
    for (const msg of qualifiedName(key.toLowerCase())) {
      r.error('metadata', ['metadata', 'annotations', key], invalid(key, msg), { field: 'metadata.annotations' });
    }
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  });
  if (annotationBytes > ANNOTATIONS_MAX_BYTES) {
    r.error('metadata', ['metadata', 'annotations'], `Too long: must have at most ${ANNOTATIONS_MAX_BYTES} bytes`);
  }
  checkGeneration(meta, r);
}

function checkStringMap(
  meta: Record<string, unknown>,
  field: 'labels' | 'annotations',
  r: Reporter,
  each: (key: string, value: string) => void,
): void {
  const map = meta[field];
  if (map === undefined || map === null) return;
  if (!isPlainObject(map)) {
    r.error('schema_type', ['metadata', field], invalid(jsonType(map), `metadata.${field} in body must be of type object: ${JSON.stringify(jsonType(map))}`));
    delete meta[field];
    return;
  }
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') {
      // The API server cannot decode a non-string into map[string]string; YAML `true` or `8080`
      // unquoted is the usual cause.
      r.error('schema_type', ['metadata', field, key], invalid(jsonType(value), `metadata.${field}.${key} in body must be of type string: ${JSON.stringify(jsonType(value))} (quote the value)`));
      continue;
    }
    each(key, value);
  }
}

function checkGeneration(meta: Record<string, unknown>, r: Reporter): void {
  const g = meta['generation'];
  if (g !== undefined && g !== null && !(typeof g === 'number' && Number.isInteger(g))) {
    r.error('schema_type', ['metadata', 'generation'], invalid(jsonType(g), `metadata.generation in body must be of type integer: ${JSON.stringify(jsonType(g))}`));
  }
}
