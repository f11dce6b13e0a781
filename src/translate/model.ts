/** Intermediate values translation steps hand to each other (never leave the translate stage). */
import type { Gateway, Listener, RouteGroupKind } from '../api/gateway-api.ts';
import type { StoredObject } from '../store/snapshot.ts';
import type { ServerCertificateIR, UpstreamTlsProfileIR } from '../ir/types.ts';

/** A Gateway lastmile manages, with its resolved listeners. */
export interface GatewayModel {
  readonly stored: StoredObject<Gateway>;
  readonly gateway: Gateway;
  readonly namespace: string;
  readonly name: string;
  /** `namespace/name` */
  readonly key: string;
  /** The bind address (spec.addresses IPAddress, else the default). */
  readonly address: string;
  /** False when the Gateway itself is not accepted (e.g. unsupported address type). */
  readonly accepted: boolean;
  readonly listeners: ListenerModel[];
  /** The Gateway's backend client certificate (spec.md 5), when valid. */
  clientCertificate?: UpstreamTlsProfileIR['clientCertificate'];
}

/** A Gateway listener after validation. */
export interface ListenerModel {
  readonly gateway: GatewayModel;
  readonly spec: Listener;
  readonly name: string;
  readonly port: number;
  /** Only HTTP and HTTPS listeners are ever ready. */
  readonly protocol: string;
  /** undefined = any hostname. */
  readonly hostname: string | undefined;
  /** Route kinds this listener accepts (status `supportedKinds`). */
  readonly supportedKinds: RouteGroupKind[];
  /** HTTPS: the serving certificate chosen from certificateRefs. */
  certificate?: ServerCertificateIR;
  /** True when the listener is accepted, not conflicted and programmed. */
  ready: boolean;
  /** Why it is not ready (for route messages). */
  notReady?: string;
  /** Keys of routes attached to it (status `attachedRoutes`). */
  readonly attachedRoutes: Set<string>;
}
