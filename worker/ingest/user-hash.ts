// Verified identify from the browser: `nudge('identify', { email, user_hash })`, where the
// store's backend computed user_hash = hex HMAC-SHA256(NUDGE_SERVER_KEY, email trimmed and
// lower-cased) for its logged-in customer. A valid hash makes the identify verified (no double
// opt-in needed); a wrong one leaves it an unverified claim. The hash itself is never stored.
import type { NudgeEvent } from "./events.ts";
import { hmacHex, safeEqual } from "../lib/crypto.ts";

/** What a store's backend computes (also used by the docs' examples and the tests). */
export function userHash(serverKey: string, email: string): Promise<string> {
  return hmacHex(serverKey, email.trim().toLowerCase());
}

/**
 * An identify event with its `user_hash` checked and removed: verified when the hash matches.
 * `result` says what happened, for the log (a wrong hash is never an error in the page).
 */
export async function checkUserHash(
  serverKey: string,
  e: NudgeEvent,
): Promise<{ event: NudgeEvent; result: "none" | "valid" | "invalid" }> {
  if (e.custom || e.name !== "identify" || !("user_hash" in e.data))
    return { event: e, result: "none" };
  const { user_hash: given, ...data } = e.data;
  const ok =
    typeof given === "string" &&
    serverKey !== "" &&
    (await safeEqual(given.toLowerCase(), await userHash(serverKey, data.email)));
  const event: NudgeEvent = ok ? { ...e, data, verified: "user_hash" } : { ...e, data };
  return { event, result: ok ? "valid" : "invalid" };
}
