/**
 * Reading conditions for tables: one condition's status, and a one-word summary across the
 * entries of a policy's ancestors or a route's parents (`True`, `False (Reason)`, `Mixed`, `-`).
 */
import type { Condition } from '../../api/meta.ts';

function asConditions(value: unknown): Condition[] {
  return Array.isArray(value) ? (value as Condition[]) : [];
}

/** The condition of `type` in a conditions list (or undefined). */
export function findCondition(conditions: unknown, type: string): Condition | undefined {
  return asConditions(conditions).find((c) => c.type === type);
}

/** The status word of one condition, `Unknown` when the controller has not set it. */
export function conditionStatus(conditions: unknown, type: string): string {
  return findCondition(conditions, type)?.status ?? 'Unknown';
}

/**
 * Summarises condition `type` across several entries (each an object with `conditions`):
 * `-` when there are none, `True` when all are True, `False (A,B)` with the distinct reasons when
 * all are False, `Unknown` when all are unknown, else `Mixed`.
 */
export function summarizeCondition(entries: unknown, type: string): string {
  const list = Array.isArray(entries) ? (entries as { conditions?: unknown }[]) : [];
  if (list.length === 0) return '-';
  const found = list.map((entry) => findCondition(entry.conditions, type));
  const statuses = new Set(found.map((c) => c?.status ?? 'Unknown'));
  if (statuses.size > 1) return 'Mixed';
  const only = [...statuses][0] ?? 'Unknown';
  if (only !== 'False') return only;
  const reasons = [...new Set(found.map((c) => c?.reason ?? '').filter((r) => r !== ''))].sort();
  return reasons.length > 0 ? `False (${reasons.join(',')})` : 'False';
}
