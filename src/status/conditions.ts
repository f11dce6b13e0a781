/**
 * Condition types and reasons lastmile writes, per kind (Gateway API v1.6.1 `apis/v1`, spec.md 3).
 * One place for the strings so translation never spells a reason by hand.
 */

/** Condition types shared by several kinds. */
export const ConditionType = {
  accepted: 'Accepted',
  programmed: 'Programmed',
  resolvedRefs: 'ResolvedRefs',
  conflicted: 'Conflicted',
  /** Route: some rules are invalid (GEP-1364 / HTTPRoute `PartiallyInvalid`). */
  partiallyInvalid: 'PartiallyInvalid',
} as const;

export const GatewayClassReason = {
  accepted: 'Accepted',
} as const;

export const GatewayReason = {
  accepted: 'Accepted',
  programmed: 'Programmed',
  invalid: 'Invalid',
  listenersNotValid: 'ListenersNotValid',
  unsupportedAddress: 'UnsupportedAddress',
  resolvedRefs: 'ResolvedRefs',
  listenersNotResolved: 'ListenersNotResolved',
  /** spec.md 3.4: `spec.tls.backend.clientCertificateRef` missing, wrong kind or malformed. */
  invalidClientCertificateRef: 'InvalidClientCertificateRef',
  refNotPermitted: 'RefNotPermitted',
} as const;

export const ListenerReason = {
  accepted: 'Accepted',
  unsupportedProtocol: 'UnsupportedProtocol',
  portUnavailable: 'PortUnavailable',
  programmed: 'Programmed',
  invalid: 'Invalid',
  resolvedRefs: 'ResolvedRefs',
  invalidCertificateRef: 'InvalidCertificateRef',
  invalidRouteKinds: 'InvalidRouteKinds',
  refNotPermitted: 'RefNotPermitted',
  noConflicts: 'NoConflicts',
  hostnameConflict: 'HostnameConflict',
  protocolConflict: 'ProtocolConflict',
} as const;

export const RouteReason = {
  accepted: 'Accepted',
  notAllowedByListeners: 'NotAllowedByListeners',
  noMatchingListenerHostname: 'NoMatchingListenerHostname',
  noMatchingParent: 'NoMatchingParent',
  unsupportedValue: 'UnsupportedValue',
  resolvedRefs: 'ResolvedRefs',
  refNotPermitted: 'RefNotPermitted',
  invalidKind: 'InvalidKind',
  backendNotFound: 'BackendNotFound',
  /**
   * Implementation reason (spec.md 3.3): the backendRef is invalid because the BackendTLSPolicy
   * that applies to it cannot be honoured, so requests to it answer 500.
   */
  invalidBackendTlsPolicy: 'InvalidBackendTLSPolicy',
} as const;

/** Generic policy reasons (spec.md 3.1) and the BackendTLSPolicy ones (spec.md 3.2). */
export const PolicyReason = {
  accepted: 'Accepted',
  conflicted: 'Conflicted',
  invalid: 'Invalid',
  targetNotFound: 'TargetNotFound',
  noValidCACertificate: 'NoValidCACertificate',
  resolvedRefs: 'ResolvedRefs',
  invalidCACertificateRef: 'InvalidCACertificateRef',
  invalidKind: 'InvalidKind',
} as const;

/** metav1.Condition `message` maximum length (spec.md 2.9). */
export const MAX_CONDITION_MESSAGE = 32768;

/** Cuts a message to the API limit, marking the cut. */
export function truncateMessage(message: string): string {
  if (message.length <= MAX_CONDITION_MESSAGE) return message;
  const marker = ' [truncated]';
  return message.slice(0, MAX_CONDITION_MESSAGE - marker.length) + marker;
}
