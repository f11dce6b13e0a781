/**
 * Weighted choice among a rule's backends (HTTPBackendRef.weight): proportional to weight, a
 * backend of weight 0 is never chosen, and a rule whose weights are all 0 has no backend.
 */

export interface WeightedPicker<T> {
  /** Picks one; `random` in [0, 1) (defaults to Math.random). Undefined when every weight is 0. */
  pick(random?: number): T | undefined;
}

export function compileWeighted<T>(items: readonly { weight: number; value: T }[]): WeightedPicker<T> {
  const live = items.filter((i) => i.weight > 0);
  const only = live.length === 1 ? live[0]?.value : undefined;
  if (live.length === 0) return { pick: () => undefined };
  if (only !== undefined) return { pick: () => only };
  const cumulative: number[] = [];
  let total = 0;
  for (const i of live) {
    total += i.weight;
    cumulative.push(total);
  }
  return {
    pick(random = Math.random()): T | undefined {
      const x = random * total;
      for (let k = 0; k < cumulative.length; k++) {
        if (x < (cumulative[k] ?? 0)) return live[k]?.value;
      }
      return live[live.length - 1]?.value;
    },
  };
}
