/**
 * Ages as kubectl prints them (`45s`, `3m20s`, `12m`, `5h4m`, `3d2h`, `400d`, `3y12d`): exact when
 * recent, coarser as the object gets older, so the AGE column stays narrow.
 */

/** The time between `from` (an RFC 3339 timestamp) and `now`, or `<unknown>` when unset. */
export function formatAge(from: string | undefined, now: Date): string {
  if (from === undefined) return '<unknown>';
  const then = Date.parse(from);
  if (Number.isNaN(then)) return '<unknown>';
  return humanDuration(now.getTime() - then);
}

/** A duration in milliseconds in kubectl's short human form. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  // A clock skew of a second or two still reads as "just now".
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return withRest(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return withRest(days, 'd', hours % 24, 'h');
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (years < 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRest(big: number, bigUnit: string, rest: number, restUnit: string): string {
  return rest === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${rest}${restUnit}`;
}
