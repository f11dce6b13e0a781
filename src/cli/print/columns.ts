/**
 * The columns `lastmile get` prints per kind, as kubectl (and the Gateway API CRDs' printer
 * columns) do, plus BackendTLSPolicy's verdict across its ancestors, which no other tool shows
 * in a table. `wide` adds columns; the NAMESPACE column (for -A) is added by the caller.
 */
import type { KubeObject } from '../../api/meta.ts';
import { formatAge } from './age.ts';
import { conditionStatus, summarizeCondition } from './status.ts';

export interface Column {
  readonly header: string;
  readonly cell: (object: KubeObject, now: Date) => string;
  /** Shown with `-o wide` only. */
  readonly wide?: boolean;
}

type Fields = Record<string, unknown>;

function field(value: unknown, ...path: string[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Fields)[key];
  }
  return node;
}

function list(value: unknown): Fields[] {
  return Array.isArray(value) ? (value as Fields[]) : [];
}

function joinOr(values: readonly string[], empty = '<none>'): string {
  return values.length > 0 ? values.join(',') : empty;
}

function str(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

const name: Column = { header: 'NAME', cell: (o) => o.metadata.name ?? '' };
const age: Column = { header: 'AGE', cell: (o, now) => formatAge(o.metadata.creationTimestamp, now) };

function refName(ref: Fields): string {
  const ns = str(ref['namespace']);
  const section = str(ref['sectionName']);
  const port = str(ref['port']);
  return `${ns ? `${ns}/` : ''}${str(ref['name'])}${section ? `/${section}` : ''}${port ? `:${port}` : ''}`;
}

function routeColumns(): Column[] {
  return [
    name,
    { header: 'HOSTNAMES', cell: (o) => joinOr(list(field(o, 'spec', 'hostnames')).map(str), '*') },
    age,
    { header: 'PARENTS', wide: true, cell: (o) => joinOr(list(field(o, 'spec', 'parentRefs')).map(refName)) },
    { header: 'ACCEPTED', wide: true, cell: (o) => summarizeCondition(field(o, 'status', 'parents'), 'Accepted') },
    { header: 'RESOLVED', wide: true, cell: (o) => summarizeCondition(field(o, 'status', 'parents'), 'ResolvedRefs') },
  ];
}

function servicePorts(o: KubeObject): string {
  return joinOr(list(field(o, 'spec', 'ports')).map((p) => `${str(p['port'])}/${str(p['protocol']) || 'TCP'}`));
}

function keysOf(value: unknown): string[] {
  return value !== null && typeof value === 'object' ? Object.keys(value) : [];
}

function endpointAddresses(o: KubeObject): string {
  const all = list(o['endpoints']).flatMap((e) => list(e['addresses']).map(str));
  if (all.length === 0) return '<unset>';
  // kubectl shows the first three and counts the rest, so the column stays readable.
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

const byKind: Readonly<Record<string, Column[]>> = {
  GatewayClass: [
    name,
    { header: 'CONTROLLER', cell: (o) => str(field(o, 'spec', 'controllerName')) },
    { header: 'ACCEPTED', cell: (o) => conditionStatus(field(o, 'status', 'conditions'), 'Accepted') },
    age,
    { header: 'DESCRIPTION', wide: true, cell: (o) => str(field(o, 'spec', 'description')) || '<none>' },
  ],
  Gateway: [
    name,
    { header: 'CLASS', cell: (o) => str(field(o, 'spec', 'gatewayClassName')) },
    { header: 'ADDRESS', cell: (o) => joinOr(list(field(o, 'status', 'addresses')).map((a) => str(a['value'])), '') },
    { header: 'PROGRAMMED', cell: (o) => conditionStatus(field(o, 'status', 'conditions'), 'Programmed') },
    age,
    { header: 'LISTENERS', wide: true, cell: (o) => joinOr(list(field(o, 'spec', 'listeners')).map((l) => `${str(l['name'])}:${str(l['protocol'])}/${str(l['port'])}`)) },
  ],
  HTTPRoute: routeColumns(),
  GRPCRoute: routeColumns(),
  TLSRoute: routeColumns(),
  ReferenceGrant: [name, age],
  BackendTLSPolicy: [
    name,
    { header: 'TARGETS', cell: (o) => joinOr(list(field(o, 'spec', 'targetRefs')).map((t) => `${str(t['name'])}${t['sectionName'] ? `:${str(t['sectionName'])}` : ''}`)) },
    { header: 'HOSTNAME', cell: (o) => str(field(o, 'spec', 'validation', 'hostname')) },
    { header: 'ACCEPTED', cell: (o) => summarizeCondition(field(o, 'status', 'ancestors'), 'Accepted') },
    { header: 'RESOLVED', cell: (o) => summarizeCondition(field(o, 'status', 'ancestors'), 'ResolvedRefs') },
    { header: 'ANCESTORS', cell: (o) => joinOr(list(field(o, 'status', 'ancestors')).map((a) => refName((a['ancestorRef'] ?? {}) as Fields)), '-') },
    age,
    {
      header: 'TRUST',
      wide: true,
      cell: (o) => {
        const known = str(field(o, 'spec', 'validation', 'wellKnownCACertificates'));
        if (known) return known;
        return joinOr(list(field(o, 'spec', 'validation', 'caCertificateRefs')).map((r) => `${str(r['kind'])}/${str(r['name'])}`));
      },
    },
  ],
  Service: [
    name,
    { header: 'TYPE', cell: (o) => str(field(o, 'spec', 'type')) || 'ClusterIP' },
    { header: 'PORTS', cell: servicePorts },
    age,
    { header: 'EXTERNAL-NAME', wide: true, cell: (o) => str(field(o, 'spec', 'externalName')) || '<none>' },
  ],
  EndpointSlice: [
    name,
    { header: 'ADDRESSTYPE', cell: (o) => str(o['addressType']) },
    { header: 'PORTS', cell: (o) => joinOr(list(o['ports']).map((p) => str(p['port'])), '<unset>') },
    { header: 'ENDPOINTS', cell: endpointAddresses },
    age,
    { header: 'SERVICE', wide: true, cell: (o) => o.metadata.labels?.['kubernetes.io/service-name'] ?? '<none>' },
  ],
  ConfigMap: [name, { header: 'DATA', cell: (o) => String(keysOf(o['data']).length + keysOf(o['binaryData']).length) }, age],
  Secret: [
    name,
    { header: 'TYPE', cell: (o) => str(o['type']) || 'Opaque' },
    { header: 'DATA', cell: (o) => String(new Set([...keysOf(o['data']), ...keysOf(o['stringData'])]).size) },
    age,
  ],
};

/** The columns for a kind (NAME and AGE for a kind without its own), wide ones only when asked. */
export function columnsFor(kind: string, wide: boolean): Column[] {
  const columns = byKind[kind] ?? [name, age];
  return columns.filter((c) => wide || c.wide !== true);
}
