/** Routes as translation sees them: defaults applied, backendRefs resolved once. */
import type { GRPCRoute, HTTPRoute, ParentReference } from '../../api/gateway-api.ts';
import type { MatchIR } from '../../ir/types.ts';
import type { StoredObject } from '../../store/snapshot.ts';
import type { ResolvedBackend } from '../backend/service.ts';
import type { GatewayModel, ListenerModel } from '../model.ts';
import type { FilterResult } from './filters.ts';
import type { RefStatus } from '../../status/collector.ts';

export interface RouteModel {
  readonly stored: StoredObject<HTTPRoute | GRPCRoute>;
  readonly route: HTTPRoute | GRPCRoute;
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly namespace: string;
  readonly name: string;
  /** `Kind/namespace/name` */
  readonly key: string;
  /** creationTimestamp in ms (Infinity when unknown), for precedence ties. */
  readonly time: number;
  readonly hostnames: readonly string[];
  readonly rules: readonly RuleModel[];
}

export interface RuleModel {
  readonly index: number;
  readonly matches: readonly MatchIR[];
  readonly filters: FilterResult;
  readonly timeouts: { readonly requestMs?: number; readonly backendRequestMs?: number };
  readonly backendRefs: readonly BackendRefModel[];
}

export interface BackendRefModel {
  readonly resolved: ResolvedBackend;
  readonly weight: number;
  readonly filters: FilterResult;
}

/** A route accepted by one parent Gateway, with the listeners and hostnames it serves there. */
export interface Attachment {
  readonly route: RouteModel;
  readonly parentRef: ParentReference;
  readonly gateway: GatewayModel;
  readonly listeners: readonly { readonly listener: ListenerModel; readonly hostnames: readonly string[] }[];
  /** The route's status entry for this parent (asked for once: each lookup builds a key). */
  readonly status: RefStatus;
}
