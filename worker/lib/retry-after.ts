// The `Retry-After` header, as a wait: shared by the Resend sender and the CLI's pushes. Pure.

/** `Retry-After` as delta-seconds (possibly fractional) or an HTTP date → ms; null if absent/bad. */
export function parseRetryAfter(value: string | undefined | null, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
