// localStorage behind try/catch (Safari private mode, disabled storage, throwing getters):
// a failure reads as "nothing stored" and a write is dropped. Keys are prefixed `nudge_`.

/** Reads `k` (no `v`), stores `v`, or removes `k` (`v` = 0). */
export const store = (k: string, v?: string | 0): string | undefined => {
  try {
    const s = localStorage as unknown as Record<string, string | undefined>;
    k = "nudge_" + k;
    if (v == null) return s[k];
    if (v) s[k] = v;
    else delete s[k];
  } catch {
    /* unavailable: keep going in memory */
  }
};
