/**
 * How a failed attempt ends, shared by the three exchanges (exchange.ts, upgrade.ts and the lean
 * engine's h1/exchange.ts) so their retries, classification and answers cannot drift apart.
 * Only failure paths call in here: the per-request success path of each exchange is untouched.
 */
import type { ServerResponse } from 'node:http';
import { errorStatus } from '../../errors.ts';
import type { ErrorCode } from '../../errors.ts';
import { classifyUpstreamError, connectInfo } from '../tls/classify.ts';
import { describeFailure } from '../tls/describe.ts';
import type { BackendState, EndpointHealth } from './balancer.ts';
import type { ProxyOutcome, ProxyRequest } from './engine.ts';
import { sendError } from './error-response.ts';

/** Connect failures are retried on another endpoint at most this many times in all. */
export const maxAttempts = 3;

/** The client went away before its answer: nobody to answer, no error to report. */
export class ClientGoneError extends Error {
  readonly code = 'LASTMILE_CLIENT_GONE';
}

/** The client's connection is gone (e.g. it aborted its upload): nobody to answer. */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed || (res.socket !== null && res.socket.destroyed);
}

/** Why an attempt failed, once classified: lastmile's error code and the story for logs. */
export interface FailureVerdict {
  readonly code: ErrorCode;
  readonly detail: string;
}

/**
 * Classifies the failure of attempt number `attempts` on endpoint `index`. A TCP connect failure
 * marks the endpoint failed and, when `mayRetry` (nothing reached the backend and nothing of the
 * request was consumed) and attempts remain, returns undefined: try another endpoint.
 */
export function judgeFailure(
  err: Error,
  target: ProxyRequest,
  state: BackendState,
  index: number,
  health: EndpointHealth,
  mayRetry: boolean,
  attempts: number,
): FailureVerdict | undefined {
  const profile = target.backend.tls;
  const classified = classifyUpstreamError(err, profile?.verify.kind);
  const info = connectInfo(err);
  if (classified.code === 'upstream_connect_failed' && info.phase === 'tcp') {
    health.markFailed(state.identities[index]!);
    if (mayRetry && attempts < Math.min(maxAttempts, state.names.length)) return undefined;
  }
  const endpoint = state.names[index]!;
  const detail = describeFailure({ reason: classified.reason, endpoint, backend: target.backend.name, profile, peer: info.peer });
  return { code: classified.code, detail };
}

/**
 * Answers lastmile's error on a client response and returns the status the client got: the error
 * page when nothing was sent yet, else an aborted message (`sentStatus` stays the status).
 */
export function answerError(res: ServerResponse, code: ErrorCode, requestId: string | undefined, sentStatus: number): number {
  if (res.headersSent) {
    // Part of the response is out: the only honest signal left is an aborted message.
    res.destroy();
    return sentStatus;
  }
  sendError(res, code, requestId);
  return errorStatus[code];
}

/** The request id the caller put on the upstream request, echoed in error bodies. */
export function requestIdOf(target: ProxyRequest): string | undefined {
  if (target.requestId !== undefined) return target.requestId;
  const id = target.headers['x-request-id'];
  return typeof id === 'string' ? id : undefined;
}

/** Calls the caller's completion callback; its bookkeeping must not break the proxy. */
export function safeDone(done: (outcome: ProxyOutcome) => void, outcome: ProxyOutcome): void {
  try {
    done(outcome);
  } catch {
    // The caller's bookkeeping must not break the proxy.
  }
}

/**
 * The end of a failed attempt of a request answered on a ServerResponse (exchange.ts and
 * h1/exchange.ts): nothing to answer when the client is gone, else {@link judgeFailure}, then
 * {@link answerError}. Returns the outcome to finish with, or undefined to retry elsewhere.
 */
export function failedAttempt(
  res: ServerResponse,
  err: Error,
  target: ProxyRequest,
  state: BackendState,
  index: number,
  health: EndpointHealth,
  mayRetry: boolean,
  attempts: number,
  sentStatus: number,
  started: number,
): ProxyOutcome | undefined {
  const endpoint = state.names[index]!;
  if (err instanceof ClientGoneError || clientGone(res)) return { status: 0, endpoint, upstreamMs: performance.now() - started };
  const verdict = judgeFailure(err, target, state, index, health, mayRetry, attempts);
  if (verdict === undefined) return undefined;
  const status = answerError(res, verdict.code, requestIdOf(target), sentStatus);
  return { status, code: verdict.code, endpoint, detail: verdict.detail, upstreamMs: performance.now() - started };
}
