/**
 * The socket factory of one upstream pool (undici's connector seam, aesthetics.md 1): opens TCP,
 * originates TLS from the profile, reuses TLS sessions, and reports every handshake.
 *
 * Written here instead of undici's `buildConnector` because we need what it cannot give: the
 * backend certificate of a FAILED verification (for the failure story), the handshake outcome and
 * latency for metrics, a session cache that outlives the pool (resumption after a reload), and a
 * servername that can never come from the client's Host header (ecosystem.md gotcha 1).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import type { ErrorCode } from '../../errors.ts';
import type { UpstreamTlsProfileIR } from '../../ir/types.ts';
import { classifyUpstreamError, kConnectPhase, kPeerCertificate, UpstreamTimeoutError } from './classify.ts';
import type { ConnectAnnotations, ConnectPhase } from './classify.ts';
import type { UpstreamTlsOptions } from './connect-options.ts';
import { describeFailure, summarizeCertificate } from './describe.ts';
import type { CertificateSummary } from './describe.ts';

/** One upstream TLS handshake, as reported to the `handshake` hook. */
export interface HandshakeEvent {
  readonly backend: string;
  readonly endpoint: string;
  /** `namespace/name` of the BackendTLSPolicy. */
  readonly policy: string;
  readonly outcome: 'ok' | 'failed';
  readonly resumed: boolean;
  readonly reason?: ErrorCode;
  readonly ms: number;
  /**
   * Set for a connection opened ahead of any request after a TLS profile changed (upstream/
   * preconnect.ts): counted like any handshake; its failure answered no request.
   */
  readonly preconnect?: true;
  readonly detail?: string;
  readonly peerCertificate?: { readonly subject: string; readonly subjectAltName?: string; readonly validTo: string; readonly issuer: string };
}

/** TLS sessions kept across pools, so a pool reopened after a reload resumes instead of a full handshake. */
export interface SessionStore {
  get(key: string): Buffer | undefined;
  set(key: string, session: Buffer): void;
}

/** Everything a connector needs; built once per pool. */
export interface ConnectorOptions {
  /** `address:port`, for events and stories. */
  readonly endpoint: string;
  /** BackendIR name, for events and stories. */
  readonly backend: string;
  /** Sessions are stored per (endpoint, profile id): a session never crosses trust settings. */
  readonly sessionKey: string;
  readonly profile?: UpstreamTlsProfileIR;
  /** Present iff `profile` is: TLS is originated exactly when a policy applies. */
  readonly tls?: UpstreamTlsOptions;
  readonly sessions: SessionStore;
  readonly connectTimeoutMs: number;
  /** Plain-text HTTP/2 (prior knowledge) for `h2c` backends. */
  readonly h2c: boolean;
  readonly onHandshake?: (e: HandshakeEvent) => void;
  /**
   * TLS alerts that arrive after the handshake, by local port. In TLS 1.3 a backend rejects a
   * missing or unknown client certificate only after the client considers the handshake done;
   * undici then reports a bare "other side closed", and this map keeps the real reason.
   */
  readonly lateTlsErrors?: Map<number, Error>;
}

function annotate(err: Error, phase: ConnectPhase, peer: CertificateSummary | undefined): Error {
  const a = err as Error & ConnectAnnotations;
  a[kConnectPhase] ??= phase;
  if (peer !== undefined) a[kPeerCertificate] ??= peer;
  return err;
}

function noop(): void {}

function recordLateTlsErrors(socket: TLSSocket, into: Map<number, Error>, peer: CertificateSummary | undefined): void {
  const port = socket.localPort;
  if (port === undefined) return;
  socket.on('error', (err: Error & { code?: string }) => {
    if (err.code === undefined || !err.code.startsWith('ERR_SSL_')) return;
    into.set(port, annotate(err, 'tls', peer));
    // undici reports the failure from its own 'close' listener, in the same tick: keep it until then.
    socket.once('close', () => setImmediate(() => into.delete(port)));
  });
}

/** Creates the connector of one (endpoint, profile) pool. */
export function createConnector(o: ConnectorOptions): buildConnector.connector {
  const policy = o.profile === undefined ? '' : `${o.profile.policy.namespace}/${o.profile.policy.name}`;
  const verifyKind = o.profile?.verify.kind;

  return function connect(target, callback) {
    const started = performance.now();
    const preconnect = (target as { preconnect?: boolean }).preconnect === true;
    const port = Number(target.port) || (o.tls === undefined ? 80 : 443);
    let phase: ConnectPhase = 'tcp';
    let peer: CertificateSummary | undefined;
    let settled = false;
    let socket: net.Socket;

    if (o.tls !== undefined) {
      const tlsOptions = o.tls;
      const tlsSocket: TLSSocket = tls.connect({
        host: target.hostname,
        port,
        servername: tlsOptions.servername,
        secureContext: tlsOptions.secureContext,
        ALPNProtocols: tlsOptions.ALPNProtocols,
        checkServerIdentity: tlsOptions.checkServerIdentity,
        rejectUnauthorized: tlsOptions.rejectUnauthorized,
        session: o.sessions.get(o.sessionKey),
      });
      tlsSocket.once('connect', () => {
        phase = 'tls';
      });
      // 'secure' fires when the handshake completes and before Node verifies the chain and the
      // identity (and destroys the socket on failure): the only moment the certificate of a
      // rejected backend can be read. Only reading happens here; no byte is written.
      tlsSocket.prependOnceListener('secure', () => {
        peer = summarizeCertificate(tlsSocket.getPeerCertificate(false));
      });
      tlsSocket.on('session', (session: Buffer) => o.sessions.set(o.sessionKey, session));
      tlsSocket.once('secureConnect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        tlsSocket.off('error', onError);
        if (o.lateTlsErrors !== undefined) recordLateTlsErrors(tlsSocket, o.lateTlsErrors, peer);
        if (o.onHandshake !== undefined) {
          const event: HandshakeEvent = {
            backend: o.backend,
            endpoint: o.endpoint,
            policy,
            outcome: 'ok',
            resumed: tlsSocket.isSessionReused(),
            ms: performance.now() - started,
            ...(preconnect ? { preconnect: true as const } : {}),
            ...(peer === undefined ? {} : { peerCertificate: peer }),
          };
          o.onHandshake(event);
        }
        callback(null, tlsSocket);
      });
      socket = tlsSocket;
    } else {
      socket = net.connect({ host: target.hostname, port });
      socket.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.off('error', onError);
        if (o.h2c) (socket as net.Socket & { alpnProtocol?: string }).alpnProtocol = 'h2';
        callback(null, socket);
      });
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);

    function onError(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.on('error', noop);
      socket.destroy();
      annotate(err, phase, peer);
      if (o.onHandshake !== undefined && o.tls !== undefined && phase === 'tls') {
        const classified = classifyUpstreamError(err, verifyKind);
        const event: HandshakeEvent = {
          backend: o.backend,
          endpoint: o.endpoint,
          policy,
          outcome: 'failed',
          resumed: false,
          reason: classified.code,
          ms: performance.now() - started,
          ...(preconnect ? { preconnect: true as const } : {}),
          detail: describeFailure({ reason: classified.reason, endpoint: o.endpoint, backend: o.backend, profile: o.profile, peer }),
          ...(peer === undefined ? {} : { peerCertificate: peer }),
        };
        o.onHandshake(event);
      }
      callback(err, null);
    }
    socket.on('error', onError);

    const timer = setTimeout(() => {
      const what = phase === 'tcp' ? 'TCP connect' : 'TLS handshake';
      socket.destroy(new UpstreamTimeoutError(`${what} to ${o.endpoint} took longer than ${o.connectTimeoutMs} ms`));
    }, o.connectTimeoutMs);
    timer.unref();
  };
}
