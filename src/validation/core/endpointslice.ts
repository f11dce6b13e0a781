/** EndpointSlice checks as the API server makes them (ValidateEndpointSlice), for what lastmile reads. */
import type { Reporter } from '../report.ts';
import { dns1123Label, dns1123Subdomain, isIPv4, isIPv6 } from '../names.ts';
import { duplicate, invalid, required, tooMany, unsupported } from '../messages.ts';
import { isPlainObject } from '../values.ts';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ADDRESSES = 100;
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
/** The label tying a slice to its Service; lastmile finds endpoints through it (design.md). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function checkEndpointSlice(obj: Record<string, unknown>, r: Reporter): void {
  const addressType = obj['addressType'];
  if (addressType === undefined || addressType === '') r.error('schema_required', ['addressType'], required());
  else if (typeof addressType === 'string' && !ADDRESS_TYPES.includes(addressType)) {
    r.error('schema_enum', ['addressType'], unsupported(addressType, ADDRESS_TYPES));
  }

  const endpoints = obj['endpoints'];
  if (Array.isArray(endpoints)) {
    if (endpoints.length > MAX_ENDPOINTS) r.error('schema_limit', ['endpoints'], tooMany(endpoints.length, MAX_ENDPOINTS));
    endpoints.forEach((ep, i) => {
      if (!isPlainObject(ep)) return;
      const addrs = ep['addresses'];
      if (!Array.isArray(addrs) || addrs.length === 0) {
        r.error('schema_required', ['endpoints', i, 'addresses'], required('must contain at least 1 address'));
        return;
      }
      if (addrs.length > MAX_ADDRESSES) r.error('schema_limit', ['endpoints', i, 'addresses'], tooMany(addrs.length, MAX_ADDRESSES));
      addrs.forEach((a, j) => {
        if (typeof a === 'string') for (const msg of addressErrors(addressType, a)) r.error('schema_pattern', ['endpoints', i, 'addresses', j], invalid(a, msg));
      });
      const hostname = ep['hostname'];
      if (typeof hostname === 'string') for (const msg of dns1123Label(hostname)) r.error('schema_pattern', ['endpoints', i, 'hostname'], invalid(hostname, msg));
    });
  }

  const ports = obj['ports'];
  if (Array.isArray(ports)) {
    if (ports.length > MAX_PORTS) r.error('schema_limit', ['ports'], tooMany(ports.length, MAX_PORTS));
    const names = new Set<string>();
    ports.forEach((p, i) => {
      if (!isPlainObject(p)) return;
      const name = typeof p['name'] === 'string' ? p['name'] : '';
      if (name !== '') for (const msg of dns1123Label(name)) r.error('schema_pattern', ['ports', i, 'name'], invalid(name, msg));
      if (names.has(name)) r.error('duplicate_key_in_list', ['ports', i, 'name'], duplicate(name));
      names.add(name);
      if (p['protocol'] === undefined) p['protocol'] = 'TCP';
      const protocol = p['protocol'];
      if (typeof protocol === 'string' && !PROTOCOLS.includes(protocol)) r.error('schema_enum', ['ports', i, 'protocol'], unsupported(protocol, PROTOCOLS));
      const port = p['port'];
      if (typeof port === 'number' && (port < 1 || port > 65535)) {
        r.error('schema_limit', ['ports', i, 'port'], invalid(port, 'must be between 1 and 65535, inclusive'));
      }
    });
  }

  const meta = obj['metadata'];
  const labels = isPlainObject(meta) ? meta['labels'] : undefined;
  if (!isPlainObject(labels) || typeof labels[SERVICE_NAME_LABEL] !== 'string' || labels[SERVICE_NAME_LABEL] === '') {
    r.warning(
      'implementation_check',
      ['metadata', 'labels'],
      `no "${SERVICE_NAME_LABEL}" label: lastmile finds a Service's endpoints through it, so this EndpointSlice serves no Service`,
    );
  }
}

function addressErrors(addressType: unknown, a: string): string[] {
  switch (addressType) {
    case 'IPv4':
      return isIPv4(a) ? [] : ['must be a valid IPv4 address'];
    case 'IPv6':
      return isIPv6(a) ? [] : ['must be a valid IPv6 address'];
    case 'FQDN':
      return dns1123Subdomain(a);
    default:
      return [];
  }
}
