/** Implementation checks per kind: one function per kind, run on objects the API server would accept. */
import type { Reporter } from '../report.ts';
import { checkBackendTLSPolicy } from './backendtlspolicy.ts';
import { checkGateway } from './gateway.ts';

const checks: Readonly<Record<string, (obj: Record<string, unknown>, r: Reporter) => void>> = {
  BackendTLSPolicy: checkBackendTLSPolicy,
  Gateway: checkGateway,
};

/** Runs lastmile's own checks for `kind` (warnings that name the condition the controller sets). */
export function implementationChecks(kind: string, obj: Record<string, unknown>, r: Reporter): void {
  const check = Object.hasOwn(checks, kind) ? checks[kind] : undefined;
  check?.(obj, r);
}
