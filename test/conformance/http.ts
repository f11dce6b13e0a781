/**
 * The traffic assertions of the conformance suite (conformance/utils/http/http.go and
 * utils/tls/tls.go), same semantics (conformance.md 1.4):
 * - eventually consistent: 3 consecutive matching answers (RequiredConsecutiveSuccesses) within
 *   30 s (MaxTimeToConsistency), 10 s per request; a transport error or a mismatch is "not yet"
 *   and resets the count;
 * - expected failure: 3 consecutive HTTP answers that are neither 200 nor 408/504; transport
 *   errors and 408/504 are "not yet"; ANY 200 fails at once.
 * A 200 is compared on what the echo backend saw (CompareRoundTrip): Host (unless the expected
 * backend request leaves it empty), path, method, namespace, the SNI the gateway sent, and the
 * exact PEM of the client certificate it presented.
 *
 * Adaptation: a failed attempt waits 100 ms before the next (the suite waits 1 s), keeping the
 * suite fast on loopback without changing what is accepted.
 */
import type { PeerCertificate } from 'node:tls';
import { request, type SimpleResponse } from '../helpers/net.ts';
import { NS, type ConformanceSuite } from './fixtures.ts';
import { POLL_MS } from './kubernetes.ts';

export const REQUIRED_CONSECUTIVE_SUCCESSES = 3;
export const MAX_TIME_TO_CONSISTENCY_MS = 30_000;
export const REQUEST_TIMEOUT_MS = 10_000;

export interface ExpectedRequest {
  readonly host?: string;
  readonly path: string;
  readonly sni?: string;
  /** PEM that must be among the client certificates the backend saw. */
  readonly clientCert?: string;
}

export interface ExpectedResponse {
  /** What to send: Host header and path (GET). */
  readonly request: { readonly host: string; readonly path: string; readonly sni?: string; readonly clientCert?: string };
  /** What the backend must see; defaults to `request` (the suite's default). */
  readonly expectedRequest?: ExpectedRequest;
  /** Default [200]. */
  readonly statusCodes?: readonly number[];
  /** Default the infrastructure namespace. */
  readonly namespace?: string;
}

/** TLS from the client to the gateway (MakeTLSRequest...): trusted certificate and SNI. */
export interface ClientTls {
  readonly serverCertificate: string;
  readonly serverName: string;
}

const isTimeoutStatus = (s: number): boolean => s === 408 || s === 504;

/**
 * Go's crypto/x509 hostname check, which the suite's client uses: a `*` leftmost label matches
 * exactly one label, and `*.org` is a valid pattern. Node refuses wildcards directly under a
 * top-level domain, so with Node's own check the suite's frontend certificate (SANs `*`, `*.org`,
 * `*.wildcard.org`) could not be used for `https-listener.org` as it is in the suite.
 */
export function goCheckServerIdentity(hostname: string, cert: PeerCertificate): Error | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, '').split('.');
  const names = (cert.subjectaltname ?? '')
    .split(', ')
    .filter((n) => n.startsWith('DNS:'))
    .map((n) => n.slice(4).toLowerCase());
  const matches = (pattern: string): boolean => {
    const p = pattern.replace(/\.$/, '').split('.');
    if (p.length !== host.length) return false;
    return p.every((label, i) => (i === 0 && label === '*') || label === host[i]);
  };
  return names.some(matches) ? undefined : new Error(`certificate is valid for ${names.join(', ')}, not ${hostname}`);
}

async function send(suite: ConformanceSuite, address: string, expected: ExpectedResponse, tls: ClientTls | undefined): Promise<SimpleResponse> {
  return request({
    address,
    port: tls ? suite.httpsPort : suite.httpPort,
    host: expected.request.host,
    path: expected.request.path,
    timeoutMs: REQUEST_TIMEOUT_MS,
    ...(tls ? { tls: { ca: tls.serverCertificate, servername: tls.serverName, checkServerIdentity: goCheckServerIdentity } } : {}),
  });
}

/** CompareRoundTrip: undefined when the answer matches, else why not. */
export function compareRoundTrip(r: SimpleResponse, expected: ExpectedResponse): string | undefined {
  const codes = expected.statusCodes ?? [200];
  if (isTimeoutStatus(r.status) && codes.some(isTimeoutStatus)) return undefined;
  if (!codes.includes(r.status)) return `expected status code to be one of ${codes.join(',')}, got ${r.status} (${r.headers['x-lastmile-error'] ?? ''} ${r.body.slice(0, 200)})`;
  if (r.status !== 200) return undefined;
  const echo = r.json;
  if (echo === undefined || typeof echo !== 'object') return `200 without an echo body: ${r.body.slice(0, 200)}`;
  const want: ExpectedRequest = expected.expectedRequest ?? expected.request;
  if (want.host !== undefined && want.host !== '' && want.host !== echo.host) return `expected host to be ${want.host}, got ${echo.host}`;
  if (want.path !== echo.path) return `expected path to be ${want.path}, got ${echo.path}`;
  if (echo.method !== 'GET') return `expected method to be GET, got ${echo.method}`;
  const namespace = expected.namespace ?? NS;
  if (namespace !== echo.namespace) return `expected namespace to be ${namespace}, got ${echo.namespace}`;
  if (want.sni !== undefined && want.sni !== '' && want.sni !== echo.sni) return `expected SNI ${JSON.stringify(echo.sni)} to be equal to ${JSON.stringify(want.sni)}`;
  if (want.clientCert !== undefined && want.clientCert !== '') {
    const seen: string[] = echo.clientCertificate ? [echo.clientCertificate] : [];
    if (!seen.includes(want.clientCert)) return `expected client certificate ${JSON.stringify(want.clientCert)} among ${JSON.stringify(seen)}`;
  }
  return undefined;
}

/** AwaitConvergence: runs `attempt` until it returns true 3 times in a row, within 30 s. */
async function awaitConvergence(what: string, attempt: () => Promise<true | string>): Promise<void> {
  const deadline = Date.now() + MAX_TIME_TO_CONSISTENCY_MS;
  let successes = 0;
  let attempts = 0;
  let last = '';
  for (;;) {
    if (Date.now() >= deadline) throw new Error(`${what}: timeout after ${attempts} attempts, ${successes}/${REQUIRED_CONSECUTIVE_SUCCESSES} successes; last: ${last}`);
    const r = await attempt();
    attempts++;
    if (r === true) {
      successes++;
      if (successes >= REQUIRED_CONSECUTIVE_SUCCESSES) return;
      continue;
    }
    last = r;
    successes = 0;
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

/** MakeRequestAndExpectEventuallyConsistentResponse (and its TLS variant with `tls`). */
export async function makeRequestAndExpectEventuallyConsistentResponse(suite: ConformanceSuite, address: string, expected: ExpectedResponse, tls?: ClientTls): Promise<void> {
  await awaitConvergence(`${tls ? 'HTTPS' : 'HTTP'} GET ${expected.request.host}${expected.request.path}`, async () => {
    let r: SimpleResponse;
    try {
      r = await send(suite, address, expected, tls);
    } catch (err) {
      return `request failed, not ready yet: ${(err as Error).message}`;
    }
    return compareRoundTrip(r, expected) ?? true;
  });
}

/** MakeRequestAndExpectFailure (WaitForConsistentFailureResponse). */
export async function makeRequestAndExpectFailure(suite: ConformanceSuite, address: string, expected: ExpectedResponse): Promise<void> {
  const what = `HTTP GET ${expected.request.host}${expected.request.path}`;
  await awaitConvergence(what, async () => {
    let r: SimpleResponse;
    try {
      r = await send(suite, address, expected, undefined);
    } catch (err) {
      return `request failed, not ready yet: ${(err as Error).message}`;
    }
    if (isTimeoutStatus(r.status)) return `status ${r.status}, not ready yet`;
    if (r.status === 200) throw new Error(`${what} should have failed, returned HTTP Status OK (200) instead: ${r.body.slice(0, 300)}`);
    return true;
  });
}
