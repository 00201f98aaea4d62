// The secrets a deployment must have: an ADMIN_TOKEN and a NUDGE_SECRET of at least 32
// characters, and a NUDGE_SERVER_KEY of at least 32 when set (anything shorter can be guessed or brute-forced offline from a signed link).
// Enforced in production only: development and tests use short, published local values. Pure.

export const SECRET_MIN_LENGTH = 32;

/** What is wrong with the deployment's secrets (empty: nothing). Never includes a value. */
export function secretProblems(
  env: { NUDGE_ENV?: string } & Partial<
    Record<"ADMIN_TOKEN" | "NUDGE_SECRET" | "NUDGE_SERVER_KEY", string>
  >,
): { path: string; message: string }[] {
  if (env.NUDGE_ENV !== "production") return [];
  const short = (v: string | undefined) => (v ?? "").length < SECRET_MIN_LENGTH;
  return (
    (["ADMIN_TOKEN", "NUDGE_SECRET", "NUDGE_SERVER_KEY"] as const)
      // The server key may be empty (no backend sends events: /v1/events refuses every call).
      .filter((name) => short(env[name]) && (name !== "NUDGE_SERVER_KEY" || env[name]))
      .map((name) => ({
        path: name,
        message: `must be at least ${SECRET_MIN_LENGTH} characters (wrangler secret put ${name})`,
      }))
  );
}
