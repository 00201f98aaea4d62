// What a person (or the store's backend for them) says about being written to: unsubscribe from
// all marketing email or from one topic, and the way back; and the suppressions a bounce or a
// complaint sets. Each takes effect for every later delivery at once (the record is changed in
// one synchronous read-modify-write), is logged, and an unsubscribe is counted once per person.
import { log } from "../lib/log.ts";
import { recordStats } from "../stats/record.ts";
import type { ContactHost } from "./host.ts";
import { optBackIn, optOut, resubscribe, suppress, type SuppressReason } from "./policy.ts";
import { siteRef } from "./record.ts";

/** Suppresses the address (an unsubscribe from everything, a bounce, a complaint). */
export async function suppressNow(
  host: ContactHost,
  site: string,
  contact: string,
  email: string,
  reason: SuppressReason,
): Promise<{ changed: boolean }> {
  const now = Date.now();
  let changed = false;
  host.mutate(site, email, (r) => {
    const policy = suppress(r.policy, reason, now);
    changed = policy !== r.policy;
    return { ...r, policy };
  });
  if (!changed) return { changed };
  log("info", reason === "unsubscribed" ? "contact.unsubscribed" : "contact.suppressed", {
    site,
    contact,
    reason,
  });
  if (reason === "unsubscribed") {
    await recordStats(host.env, [
      { ...siteRef(site, now, contact), metric: "unsubscribed", unique: `${contact}:unsub` },
    ]);
  }
  return { changed };
}

/** Stops all marketing email (suppression), or with `topic` that kind of email alone. */
export async function unsubscribeNow(
  host: ContactHost,
  site: string,
  contact: string,
  email: string,
  topic?: string,
): Promise<{ changed: boolean }> {
  if (topic === undefined) return suppressNow(host, site, contact, email, "unsubscribed");
  const now = Date.now();
  let changed = false;
  host.mutate(site, email, (r) => {
    const policy = optOut(r.policy, topic, now);
    changed = policy !== r.policy;
    return changed ? { ...r, policy } : r;
  });
  if (!changed) return { changed };
  log("info", "contact.unsubscribed", { site, contact, reason: "unsubscribed_topic", topic });
  await recordStats(host.env, [
    {
      ...siteRef(site, now, contact),
      metric: "unsubscribed_topic",
      reason: topic,
      unique: `${contact}:unsub:${topic}`,
    },
  ]);
  return { changed };
}

/** Lifts an unsubscribe (never a bounce or a complaint), or with `topic` that kind's opt-out. */
export function resubscribeNow(
  host: ContactHost,
  site: string,
  contact: string,
  email: string,
  topic?: string,
): void {
  let changed = false;
  host.mutate(site, email, (r) => {
    const policy = topic === undefined ? resubscribe(r.policy) : optBackIn(r.policy, topic);
    changed = policy !== r.policy;
    return changed ? { ...r, policy } : r;
  });
  if (changed) log("info", "contact.resubscribed", { site, contact, ...(topic ? { topic } : {}) });
}
