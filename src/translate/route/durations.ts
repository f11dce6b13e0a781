/**
 * Gateway API Duration (GEP-2257): one to four `<number><unit>` pairs, units h, m, s, ms, e.g.
 * `1h`, `10s`, `500ms`, `1h30m`. The schema pattern is `^([0-9]{1,5}(h|m|s|ms)){1,4}$`.
 * Hand-written: a dozen lines, and no library implements this exact grammar.
 */
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
const PART = /([0-9]{1,5})(h|ms|m|s)/g;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds, or undefined when the string is not a Gateway API duration. */
export function parseDuration(value: string): number | undefined {
  if (!DURATION.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return total;
}
