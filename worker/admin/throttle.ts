// Back-off for admin credential guesses, per IP: every failed sign-in or Bearer token is counted
// by the ADMIN_LIMITER binding (10 a minute); past it, the IP is refused for a minute before any
// credential is even checked (remembered per isolate, so a refused IP costs no limiter call).

const BLOCK_MS = 60_000;
/** IP → refused until (ms). Per isolate; bounded. */
const blocked = new Map<string, number>();

/** True while `ip` is refused. */
export function isThrottled(ip: string, now = Date.now()): boolean {
  const until = blocked.get(ip);
  if (until === undefined) return false;
  if (until > now) return true;
  blocked.delete(ip);
  return false;
}

/** Counts a failed credential; true when the IP has now used up its allowance. */
export async function failedAttempt(env: Pick<Env, "ADMIN_LIMITER">, ip: string): Promise<boolean> {
  const { success } = await env.ADMIN_LIMITER.limit({ key: `admin:${ip}` });
  if (success) return false;
  if (blocked.size > 10_000) blocked.clear();
  blocked.set(ip, Date.now() + BLOCK_MS);
  return true;
}

/** The answer for a refused IP. */
export const RETRY_AFTER_S = String(BLOCK_MS / 1000);
