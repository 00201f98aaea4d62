// Resend's webhook events for one contact (verified by the route): each svix id once; bounces
// and complaints counted and suppressing the address, deliveries, opens and clicks counted
// with the same unique keys as our own pixel and click route, so nothing counts twice.
import { stepKey } from "../engine/index.ts";
import { recordStats } from "../stats/record.ts";
import type { ContactHost } from "./host.ts";
import type { MailEvent } from "./protocol.ts";
import { engagementStats, siteRef, statRef, withWebhook } from "./record.ts";
import { suppressNow } from "./subscription.ts";

/** Records one mail event; `unknown`: a contact we never sent to (or erased) is not created. */
export async function recordMailEvent(
  host: ContactHost,
  site: string,
  contact: string,
  email: string,
  ev: MailEvent,
): Promise<{ duplicate: boolean; unknown: boolean }> {
  if (!host.load()) return { duplicate: false, unknown: true };
  let duplicate = false;
  const rec = host.mutate(site, email, (r) => {
    duplicate = r.webhooks.includes(ev.svixId);
    return duplicate ? r : withWebhook(r, ev.svixId);
  });
  if (duplicate) return { duplicate, unknown: false };
  const now = Date.now();
  const key = ev.ref ? stepKey(site, ev.ref.trigger, ev.ref.episode, ev.ref.step) : ev.svixId;
  if (ev.type === "bounced" || ev.type === "complained") {
    const base = ev.ref
      ? statRef(site, ev.ref, "treated", now, contact)
      : siteRef(site, now, contact);
    await recordStats(host.env, [{ ...base, metric: ev.type, unique: `${key}:${ev.type}` }]);
  } else if (ev.ref) {
    // An event without our tags cannot be tied to a send and is not counted.
    const kind = ev.type === "opened" ? "open" : ev.type === "clicked" ? "click" : "delivered";
    await recordStats(host.env, engagementStats(rec, key, ev.ref, kind, contact));
  }
  if (ev.suppress) await suppressNow(host, site, contact, email, ev.suppress);
  return { duplicate, unknown: false };
}
