/** Gateways of lastmile's classes: address, listeners, conditions, backend client certificate. */
import type { Gateway } from '../../api/gateway-api.ts';
import { ConditionType, GatewayReason, ListenerReason } from '../../status/conditions.ts';
import type { GatewayStatus } from '../../status/collector.ts';
import { addDiagnostic, type TranslateContext } from '../context.ts';
import type { GatewayModel, ListenerModel } from '../model.ts';
import { compareByAge } from '../order.ts';
import { resolveGatewaySecretRef } from './certificates.ts';
import { buildListeners, markGatewayConflicts, markSocketConflicts, type ListenerProblems } from './listeners.ts';

/** The bind address: the first IPAddress in spec.addresses, else the default (issue 3 decision). */
function bindAddress(gateway: Gateway, fallback: string): { address: string; unsupported?: string } {
  const addresses = gateway.spec?.addresses ?? [];
  if (addresses.length === 0) return { address: fallback };
  const ip = addresses.find((a) => (a.type ?? 'IPAddress') === 'IPAddress');
  if (ip) return { address: ip.value };
  return { address: fallback, unsupported: `no address of type IPAddress in spec.addresses (types: ${addresses.map((a) => a.type).join(', ')})` };
}

/** Validates every Gateway of lastmile's classes, oldest first, and sets their conditions. */
export function processGateways(ctx: TranslateContext, classes: ReadonlySet<string>): GatewayModel[] {
  const known = new Set(ctx.snapshot.list('GatewayClass').map((s) => s.object.metadata.name ?? ''));
  const stored = ctx.snapshot.list<Gateway>('Gateway').filter((s) => {
    const cls = s.object.spec?.gatewayClassName ?? '';
    if (!known.has(cls)) {
      addDiagnostic(ctx, s, { severity: 'warning', code: 'gatewayclass_not_found', field: 'spec.gatewayClassName', message: `GatewayClass "${cls}" not found; the Gateway is ignored` });
    }
    return classes.has(cls);
  });
  stored.sort((a, b) => compareByAge(a.object, b.object));

  const problems = new Map<ListenerModel, ListenerProblems>();
  const gateways: GatewayModel[] = [];
  const unsupportedAddress = new Map<GatewayModel, string>();
  for (const s of stored) {
    const gw = s.object;
    const { address, unsupported } = bindAddress(gw, ctx.defaultAddress);
    const model: GatewayModel = {
      stored: s,
      gateway: gw,
      namespace: gw.metadata.namespace ?? '',
      name: gw.metadata.name ?? '',
      key: `${gw.metadata.namespace ?? ''}/${gw.metadata.name ?? ''}`,
      address,
      accepted: unsupported === undefined,
      listeners: [],
    };
    if (unsupported) unsupportedAddress.set(model, unsupported);
    buildListeners(ctx.snapshot, model, problems);
    markGatewayConflicts(model, problems);
    gateways.push(model);
  }
  markSocketConflicts(gateways, problems);

  for (const gw of gateways) {
    const st = ctx.statuses.gateway(gw.gateway);
    st.addresses = [{ type: 'IPAddress', value: gw.address }];
    for (const l of gw.listeners) setListenerStatus(st, l, problems.get(l)!, gw.accepted);
    setGatewayConditions(st, gw, problems, unsupportedAddress.get(gw));
    setClientCertificate(ctx, st, gw);
  }
  return gateways;
}

function setListenerStatus(st: GatewayStatus, l: ListenerModel, p: ListenerProblems, gatewayAccepted: boolean): void {
  const ls = st.listener(l.name);
  ls.supportedKinds = l.supportedKinds.map((k) => ({ group: k.group ?? '', kind: k.kind }));
  if (p.unsupportedProtocol) ls.set(ConditionType.accepted, 'False', ListenerReason.unsupportedProtocol, p.unsupportedProtocol);
  else if (p.conflict) ls.set(ConditionType.accepted, 'False', ListenerReason.portUnavailable, p.conflict.message);
  else ls.set(ConditionType.accepted, 'True', ListenerReason.accepted, 'Listener is accepted');

  if (p.conflict) ls.set(ConditionType.conflicted, 'True', p.conflict.reason, p.conflict.message);
  else ls.set(ConditionType.conflicted, 'False', ListenerReason.noConflicts, 'No conflicts');

  if (p.refs) ls.set(ConditionType.resolvedRefs, 'False', p.refs.reason, p.refs.message);
  else ls.set(ConditionType.resolvedRefs, 'True', ListenerReason.resolvedRefs, 'All references resolved');

  let why: string | undefined;
  if (!gatewayAccepted) why = 'the Gateway is not accepted';
  else if (p.unsupportedProtocol) why = p.unsupportedProtocol;
  else if (p.conflict) why = p.conflict.message;
  else if (p.noCertificate) why = `no valid certificate: ${p.refs?.message ?? 'none'}`;
  else if (l.supportedKinds.length === 0) why = 'no supported route kinds';
  if (why) {
    ls.set(ConditionType.programmed, 'False', ListenerReason.invalid, why);
    l.ready = false;
    l.notReady = why;
  } else {
    ls.set(ConditionType.programmed, 'True', ListenerReason.programmed, `Serving on ${l.gateway.address}:${l.port}`);
    l.ready = true;
  }
}

function setGatewayConditions(
  st: GatewayStatus,
  gw: GatewayModel,
  problems: Map<ListenerModel, ListenerProblems>,
  unsupportedAddress: string | undefined,
): void {
  const ready = gw.listeners.filter((l) => l.ready);
  const invalid = gw.listeners.filter((l) => !l.ready).map((l) => l.name);
  if (unsupportedAddress) {
    st.set(ConditionType.accepted, 'False', GatewayReason.unsupportedAddress, unsupportedAddress);
    st.set(ConditionType.programmed, 'False', GatewayReason.invalid, unsupportedAddress);
  } else {
    if (invalid.length === 0) st.set(ConditionType.accepted, 'True', GatewayReason.accepted, 'Gateway is accepted');
    else if (ready.length > 0) st.set(ConditionType.accepted, 'True', GatewayReason.listenersNotValid, `Invalid listeners: ${invalid.join(', ')}`);
    else st.set(ConditionType.accepted, 'False', GatewayReason.listenersNotValid, `No valid listeners (invalid: ${invalid.join(', ') || 'none defined'})`);
    if (ready.length > 0) st.set(ConditionType.programmed, 'True', GatewayReason.programmed, `Serving on ${gw.address}`);
    else st.set(ConditionType.programmed, 'False', GatewayReason.invalid, 'No listener is programmed');
  }
  const unresolved = gw.listeners.filter((l) => problems.get(l)?.refs).map((l) => l.name);
  if (unresolved.length > 0) {
    st.set(ConditionType.resolvedRefs, 'False', GatewayReason.listenersNotResolved, `Listeners with unresolved references: ${unresolved.join(', ')}`);
  } else {
    st.set(ConditionType.resolvedRefs, 'True', GatewayReason.resolvedRefs, 'All references resolved');
  }
}

/**
 * spec.md 5 / conformance 2.7–2.8: the backend client certificate. An invalid reference sets
 * ResolvedRefs=False (it takes precedence over listener reasons: it names the concrete problem)
 * and leaves Accepted untouched; backends are then reached without a client certificate.
 */
function setClientCertificate(ctx: TranslateContext, st: GatewayStatus, gw: GatewayModel): void {
  const ref = gw.gateway.spec?.tls?.backend?.clientCertificateRef;
  if (!ref) return;
  const r = resolveGatewaySecretRef(ctx.snapshot, gw.namespace, ref, 'spec.tls.backend.clientCertificateRef');
  if (r.ok) {
    gw.clientCertificate = { certPem: r.certPem, keyPem: r.keyPem, source: r.source };
    return;
  }
  const reason = r.notPermitted ? GatewayReason.refNotPermitted : GatewayReason.invalidClientCertificateRef;
  st.set(ConditionType.resolvedRefs, 'False', reason, r.message);
  addDiagnostic(ctx, gw.stored, { severity: 'warning', code: 'invalid_client_certificate_ref', field: 'spec.tls.backend.clientCertificateRef', message: r.message, condition: `ResolvedRefs=False/${reason}` });
}

/** Writes `attachedRoutes` once routes are attached. */
export function finishGatewayStatuses(ctx: TranslateContext, gateways: readonly GatewayModel[]): void {
  for (const gw of gateways) {
    const st = ctx.statuses.gateway(gw.gateway);
    for (const l of gw.listeners) st.listener(l.name).attachedRoutes = l.attachedRoutes.size;
  }
}
