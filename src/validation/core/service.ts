/** Service checks as the API server makes them (ValidateService), for what lastmile reads. */
import type { Reporter } from '../report.ts';
import { dns1123Label, dns1123Subdomain } from '../names.ts';
import { duplicate, invalid, required, unsupported } from '../messages.ts';
import { isPlainObject } from '../values.ts';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const IANA_SVC_NAME = /^[-a-z0-9]+$/;

/** Checks and defaults (type ClusterIP, protocol TCP, targetPort = port) a Service in place. */
export function checkService(obj: Record<string, unknown>, r: Reporter): void {
  if (obj['spec'] === undefined) obj['spec'] = {};
  const spec = obj['spec'];
  if (!isPlainObject(spec)) return; // already a type error
  if (spec['type'] === undefined) spec['type'] = 'ClusterIP';
  const type = spec['type'];
  if (typeof type === 'string' && !SERVICE_TYPES.includes(type)) r.error('schema_enum', ['spec', 'type'], unsupported(type, SERVICE_TYPES));

  if (type === 'ExternalName') {
    const name = spec['externalName'];
    if (typeof name !== 'string' || name === '') {
      r.error('schema_required', ['spec', 'externalName'], required());
    } else {
      // A trailing dot (fully qualified) is allowed (ValidateService trims it first).
      const errs = dns1123Subdomain(name.endsWith('.') ? name.slice(0, -1) : name);
      for (const msg of errs) r.error('schema_pattern', ['spec', 'externalName'], invalid(name, msg));
    }
  }

  const ports = spec['ports'];
  if (ports === undefined || (Array.isArray(ports) && ports.length === 0)) {
    if (type !== 'ExternalName') r.error('schema_required', ['spec', 'ports'], required());
    return;
  }
  if (!Array.isArray(ports)) return;
  const names = new Set<string>();
  ports.forEach((p, i) => {
    if (!isPlainObject(p)) return;
    const at = (f: string): (string | number)[] => ['spec', 'ports', i, f];
    const name = p['name'];
    if (ports.length > 1 && (name === undefined || name === '')) {
      r.error('schema_required', at('name'), required());
    } else if (typeof name === 'string' && name !== '') {
      for (const msg of dns1123Label(name)) r.error('schema_pattern', at('name'), invalid(name, msg));
      if (names.has(name)) r.error('duplicate_key_in_list', at('name'), duplicate(name));
      names.add(name);
    }
    if (p['protocol'] === undefined) p['protocol'] = 'TCP';
    const protocol = p['protocol'];
    if (typeof protocol === 'string' && !PROTOCOLS.includes(protocol)) r.error('schema_enum', at('protocol'), unsupported(protocol, PROTOCOLS));
    const port = p['port'];
    if (port === undefined) r.error('schema_required', at('port'), required());
    else if (typeof port === 'number' && (port < 1 || port > 65535)) r.error('schema_limit', at('port'), invalid(port, PORT_RANGE));
    const portOk = typeof port === 'number' && port >= 1 && port <= 65535;
    if (portOk && (p['targetPort'] === undefined || p['targetPort'] === 0 || p['targetPort'] === '')) p['targetPort'] = port;
    const tp = p['targetPort'];
    if (typeof tp === 'number' && (tp < 1 || tp > 65535)) r.error('schema_limit', at('targetPort'), invalid(tp, PORT_RANGE));
    if (typeof tp === 'string') for (const msg of ianaPortName(tp)) r.error('schema_pattern', at('targetPort'), invalid(tp, msg));
  });
}

/** IsValidPortName: a named container port (targetPort by name). */
function ianaPortName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push('must be no more than 15 characters');
  if (!IANA_SVC_NAME.test(v)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  else {
    if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
    if (v.includes('--')) errs.push("must not contain consecutive hyphens");
    if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  }
  return errs;
}
