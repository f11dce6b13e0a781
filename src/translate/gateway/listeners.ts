/**
 * Listener validation: protocol, allowed route kinds, serving certificates, and conflicts
 * between listeners on one address:port (Gateway API listener rules, design decisions in issue 3).
 */
import { GATEWAY_GROUP } from '../../api/kinds.ts';
import type { Listener, RouteGroupKind } from '../../api/gateway-api.ts';
import type { Snapshot } from '../../store/snapshot.ts';
import { resolveGatewaySecretRef } from './certificates.ts';
import type { GatewayModel, ListenerModel } from '../model.ts';

/** Route kinds an HTTP or HTTPS listener can carry. */
const HTTP_KINDS: readonly string[] = ['HTTPRoute', 'GRPCRoute'];

/** Problems found on one listener, turned into conditions by the caller. */
export interface ListenerProblems {
  unsupportedProtocol?: string;
  conflict?: { reason: 'HostnameConflict' | 'ProtocolConflict'; message: string };
  /** ResolvedRefs=False reason and message. */
  refs?: { reason: 'InvalidCertificateRef' | 'RefNotPermitted' | 'InvalidRouteKinds'; message: string };
  /** True when no usable certificate was found (HTTPS). */
  noCertificate?: boolean;
}

/** The supported kinds of a listener, and the kinds it names but cannot carry. */
export function supportedKinds(listener: Listener): { kinds: RouteGroupKind[]; invalid: string[] } {
  const requested = listener.allowedRoutes?.kinds;
  if (!requested || requested.length === 0) {
    return { kinds: HTTP_KINDS.map((kind) => ({ group: GATEWAY_GROUP, kind })), invalid: [] };
  }
  const kinds: RouteGroupKind[] = [];
  const invalid: string[] = [];
  for (const k of requested) {
    const group = k.group ?? GATEWAY_GROUP;
    if (group === GATEWAY_GROUP && HTTP_KINDS.includes(k.kind)) {
      if (!kinds.some((x) => x.kind === k.kind)) kinds.push({ group, kind: k.kind });
    } else {
      invalid.push(`${group}/${k.kind}`);
    }
  }
  return { kinds, invalid };
}

/** Builds the listener models of one Gateway, with problems found in isolation. */
export function buildListeners(
  snapshot: Snapshot,
  gateway: GatewayModel,
  problems: Map<ListenerModel, ListenerProblems>,
): void {
  for (const spec of gateway.gateway.spec?.listeners ?? []) {
    const { kinds, invalid } = supportedKinds(spec);
    const listener: ListenerModel = {
      gateway,
      spec,
      name: spec.name,
      port: spec.port,
      protocol: spec.protocol,
      hostname: spec.hostname || undefined,
      supportedKinds: kinds,
      ready: false,
      attachedRoutes: new Set(),
    };
    const p: ListenerProblems = {};
    if (spec.protocol !== 'HTTP' && spec.protocol !== 'HTTPS') {
      p.unsupportedProtocol = `protocol ${spec.protocol} is not supported (lastmile serves HTTP and HTTPS listeners)`;
    } else if (spec.protocol === 'HTTPS' && (spec.tls?.mode ?? 'Terminate') !== 'Terminate') {
      p.unsupportedProtocol = `HTTPS with tls.mode ${spec.tls?.mode} is not supported (only Terminate)`;
    }
    if (invalid.length > 0) {
      p.refs = { reason: 'InvalidRouteKinds', message: `unsupported route kinds: ${invalid.join(', ')}` };
    }
    if (spec.protocol === 'HTTPS' && !p.unsupportedProtocol) resolveCertificates(snapshot, gateway, listener, p);
    gateway.listeners.push(listener);
    problems.set(listener, p);
  }
}

function resolveCertificates(snapshot: Snapshot, gateway: GatewayModel, listener: ListenerModel, p: ListenerProblems): void {
  const refs = listener.spec.tls?.certificateRefs ?? [];
  const errors: string[] = [];
  let notPermitted = false;
  refs.forEach((ref, i) => {
    const r = resolveGatewaySecretRef(snapshot, gateway.namespace, ref, `tls.certificateRefs[${i}]`);
    if (r.ok) {
      // The first valid certificate serves; others are checked so the status tells the truth.
      listener.certificate ??= { hostnames: [listener.hostname ?? '*'], certPem: r.certPem, keyPem: r.keyPem, source: r.source };
    } else {
      errors.push(r.message);
      notPermitted ||= r.notPermitted;
    }
  });
  if (refs.length === 0) errors.push('an HTTPS listener needs tls.certificateRefs');
  if (errors.length > 0 && !p.refs) {
    p.refs = { reason: notPermitted ? 'RefNotPermitted' : 'InvalidCertificateRef', message: errors.join('; ') };
  }
  if (!listener.certificate) p.noCertificate = true;
}

/**
 * Conflicts inside one Gateway (Gateway API listener rules): on one port, every listener must
 * speak the protocol of the first one (else ProtocolConflict), and hostnames must be distinct
 * (else HostnameConflict). The first listener in spec order keeps the port or hostname.
 */
export function markGatewayConflicts(gateway: GatewayModel, problems: Map<ListenerModel, ListenerProblems>): void {
  const protocolByPort = new Map<number, ListenerModel>();
  const hostnames = new Map<string, ListenerModel>();
  for (const l of gateway.listeners) {
    const p = problems.get(l)!;
    if (p.unsupportedProtocol) continue;
    const first = protocolByPort.get(l.port);
    if (!first) protocolByPort.set(l.port, l);
    else if (first.protocol !== l.protocol) {
      p.conflict = { reason: 'ProtocolConflict', message: `port ${l.port} is already used by listener "${first.name}" with protocol ${first.protocol}` };
      continue;
    }
    const key = `${l.port}/${l.hostname ?? '*'}`;
    const same = hostnames.get(key);
    if (same) {
      p.conflict = { reason: 'HostnameConflict', message: `listener "${same.name}" already serves hostname ${l.hostname ?? '(any)'} on port ${l.port}` };
    } else {
      hostnames.set(key, l);
    }
  }
}

/**
 * Conflicts between Gateways sharing a socket: in standalone mode Gateways binding the same
 * address:port share one socket (merged by hostname), so they must agree on the protocol. The
 * oldest Gateway keeps it; a later listener with another protocol is ProtocolConflict.
 */
export function markSocketConflicts(gateways: readonly GatewayModel[], problems: Map<ListenerModel, ListenerProblems>): void {
  const owner = new Map<string, ListenerModel>();
  for (const gw of gateways) {
    if (!gw.accepted) continue;
    for (const l of gw.listeners) {
      const p = problems.get(l)!;
      if (p.unsupportedProtocol || p.conflict) continue;
      const socket = `${gw.address}:${l.port}`;
      const first = owner.get(socket);
      if (!first) owner.set(socket, l);
      else if (first.gateway !== gw && first.protocol !== l.protocol) {
        p.conflict = {
          reason: 'ProtocolConflict',
          message: `${socket} is already served with protocol ${first.protocol} by Gateway ${first.gateway.key} listener "${first.name}"`,
        };
      }
    }
  }
}
