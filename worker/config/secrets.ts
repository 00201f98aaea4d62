// The secrets a deployment must have: an ADMIN_TOKEN and a NUDGE_SECRET of at least 32
// characters (anything shorter can be guessed or brute-forced offline from a signed link).
// Enforced in production only: development and tests use short, published local values. Pure.

export const SECRET_MIN_LENGTH = 32;

/** What is wrong with the deployment's secrets (empty: nothing). Never includes a value. */
export function secretProblems(
  env: Pick<Env, "NUDGE_ENV" | "ADMIN_TOKEN" | "NUDGE_SECRET">,
): { path: string; message: string }[] {
  if (env.NUDGE_ENV !== "production") return [];
  return (["ADMIN_TOKEN", "NUDGE_SECRET"] as const)
    .filter((name) => (env[name] ?? "").length < SECRET_MIN_LENGTH)
    .map((name) => ({
      path: name,
      message: `must be at least ${SECRET_MIN_LENGTH} characters (wrangler secret put ${name})`,
    }));
}
