/**
 * `describe` blocks: the kubectl header (Name, Namespace, Labels, Annotations, API Version, Kind,
 * Metadata), then Spec and Status, then `Diagnostics:` in the place kubectl puts Events: what
 * validation and translation found about this object. BackendTLSPolicy gets its own Spec and Status
 * blocks, since its verdict per ancestor is what a user comes to read.
 */
import type { KubeObject } from '../../api/meta.ts';
import { formatDiagnostic, type Diagnostic } from '../../validation/diagnostic.ts';
import { entryFor, keyValues, renderEntries, titleCase, type Entry } from './blocks.ts';
import { REDACTED } from './output.ts';

type Fields = Record<string, unknown>;

function obj(value: unknown): Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : {};
}

function arr(value: unknown): Fields[] {
  return Array.isArray(value) ? (value as Fields[]) : [];
}

function str(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function header(object: KubeObject): Entry[] {
  const m = object.metadata;
  const entries: Entry[] = [{ label: 'Name', value: m.name ?? '' }];
  if (m.namespace !== undefined) entries.push({ label: 'Namespace', value: m.namespace });
  entries.push(
    { label: 'Labels', value: keyValues(m.labels, '=') },
    { label: 'Annotations', value: keyValues(m.annotations, ': ') },
    { label: 'API Version', value: object.apiVersion },
    { label: 'Kind', value: object.kind },
  );
  const meta: Entry[] = [];
  if (m.creationTimestamp !== undefined) meta.push({ label: 'Creation Timestamp', value: m.creationTimestamp });
  if (m.generation !== undefined) meta.push({ label: 'Generation', value: String(m.generation) });
  if (m.resourceVersion !== undefined) meta.push({ label: 'Resource Version', value: m.resourceVersion });
  if (m.uid !== undefined) meta.push({ label: 'UID', value: m.uid });
  if (meta.length > 0) entries.push({ label: 'Metadata', children: meta });
  return entries;
}

function refText(ref: Fields, defaultKind = ''): string {
  const group = str(ref['group']);
  const kind = str(ref['kind']) || defaultKind;
  const ns = str(ref['namespace']);
  const qualified = group !== '' && group !== 'gateway.networking.k8s.io' ? `${kind}.${group}` : kind;
  const section = str(ref['sectionName']);
  const port = str(ref['port']);
  return `${qualified}/${ns ? `${ns}/` : ''}${str(ref['name'])}${section ? ` (section ${section})` : ''}${port ? ` (port ${port})` : ''}`;
}

function conditionEntries(conditions: unknown): Entry[] {
  const list = arr(conditions);
  if (list.length === 0) return [{ label: 'Conditions', value: '<none>' }];
  return [
    {
      label: 'Conditions',
      children: list.flatMap((c) => [
        { label: 'Type', value: str(c['type']) },
        { label: 'Status', value: str(c['status']) },
        { label: 'Reason', value: str(c['reason']) },
        { label: 'Message', value: str(c['message']) },
        { label: 'Observed Generation', value: str(c['observedGeneration']) || '<unset>' },
        { label: 'Last Transition Time', value: str(c['lastTransitionTime']) },
      ]),
    },
  ];
}

function backendTLSPolicySpec(spec: Fields): Entry[] {
  const validation = obj(spec['validation']);
  const v: Entry[] = [{ label: 'Hostname', value: str(validation['hostname']) }];
  const refs = arr(validation['caCertificateRefs']);
  if (refs.length > 0) v.push({ label: 'CA Certificate Refs', lines: refs.map((r) => refText(r)) });
  const wellKnown = str(validation['wellKnownCACertificates']);
  if (wellKnown !== '') v.push({ label: 'Well Known CA Certificates', value: wellKnown });
  const sans = arr(validation['subjectAltNames']);
  v.push(
    sans.length > 0
      ? { label: 'Subject Alt Names', lines: sans.map((s) => `${str(s['type'])}: ${str(s['type']) === 'URI' ? str(s['uri']) : str(s['hostname'])}`) }
      : { label: 'Subject Alt Names', value: '<none> (the certificate must be valid for Hostname)' },
  );
  const options = obj(spec['options']);
  return [
    { label: 'Targets', lines: arr(spec['targetRefs']).map((t) => refText(t)) },
    { label: 'Validation', children: v },
    Object.keys(options).length > 0 ? { label: 'Options', value: keyValues(options as Record<string, string>, ': ') } : { label: 'Options', value: '<none>' },
  ];
}

function ancestorsStatus(status: Fields): Entry[] {
  const ancestors = arr(status['ancestors']);
  if (ancestors.length === 0) return [{ label: 'Ancestors', value: '<none> (no Gateway routes traffic to a target of this policy)' }];
  return [
    {
      label: 'Ancestors',
      children: ancestors.map((a) => ({
        label: refText(obj(a['ancestorRef']), 'Gateway'),
        children: [{ label: 'Controller', value: str(a['controllerName']) }, ...conditionEntries(a['conditions'])],
      })),
    },
  ];
}

function secretData(object: KubeObject): Entry {
  const data = obj(object['data']);
  const plain = obj(object['stringData']);
  const keys = [...new Set([...Object.keys(data), ...Object.keys(plain)])].sort();
  if (keys.length === 0) return { label: 'Data', value: '<none>' };
  // Sizes only, as kubectl shows them: the values never reach a terminal.
  return {
    label: 'Data',
    children: keys.map((k) => {
      const encoded = str(data[k]);
      const bytes = encoded !== '' && encoded !== REDACTED ? Buffer.from(encoded, 'base64').length : Buffer.byteLength(str(plain[k]));
      return { label: k, value: encoded === REDACTED ? 'redacted' : `${bytes} bytes` };
    }),
  };
}

function body(object: KubeObject): Entry[] {
  if (object.kind === 'BackendTLSPolicy') {
    const entries: Entry[] = [{ label: 'Spec', children: backendTLSPolicySpec(obj(object.spec)) }];
    entries.push(object.status === undefined ? { label: 'Status', value: '<none>' } : { label: 'Status', children: ancestorsStatus(obj(object.status)) });
    return entries;
  }
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (['apiVersion', 'kind', 'metadata', 'status'].includes(key)) continue;
    if (object.kind === 'Secret' && (key === 'data' || key === 'stringData')) continue;
    entries.push(entryFor(key === 'spec' ? 'Spec' : titleCase(key), value));
  }
  if (object.kind === 'Secret') entries.push(secretData(object));
  if (object.status !== undefined) entries.push(entryFor('Status', object.status));
  return entries;
}


/**
 * The describe text. `diagnostics` undefined means the source cannot know them (--server);
 * an empty list means there are none.
 */
export function describeText(object: KubeObject, diagnostics: readonly Diagnostic[] | undefined): string {
  const lines = renderEntries([...header(object), ...body(object)]);
  if (diagnostics === undefined) {
    lines.push('Diagnostics:  <not served by this admin API; run lastmile validate on the config>');
  } else if (diagnostics.length === 0) {
    lines.push('Diagnostics:  <none>');
  } else {
    lines.push('Diagnostics:');
    for (const d of diagnostics) lines.push(`  ${d.severity === 'error' ? 'Error' : 'Warning'}  ${d.code}  ${formatDiagnostic(d)}`);
  }
  return `${lines.join('\n')}\n`;
}
