// How many of a list of times fall in the busiest 1-s window: what a provider's rate limit
// counts. Shared by the Pacer's unit tests, the flood test and the latency bench.

/** Most of `times` (ms) that fall within any 1-s window [t, t + 1000). */
export function maxInAnySecond(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}
