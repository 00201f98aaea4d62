// What a Visitor tells other objects once a batch is stored: the products' watcher objects
// (interest for catalog triggers) and the person's Contact object (a newly known address, a
// confirmation, purchases). Best effort: the batch itself is already stored.
import { watcherShardOf, watcherStub } from "../catalog/watchers.ts";
import { interestsOf } from "../catalog/interest.ts";
import { catalogNeeds } from "../catalog/changes.ts";
import type { SiteConfig } from "../config/schema.ts";
import type { Order } from "../contact/conversion.ts";
import type { VerifiedVia } from "../contact/record.ts";
import type { VisitorState } from "../engine/index.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import { contactHash } from "../lib/crypto.ts";
import { errorMessage } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { contactStub } from "../lib/stubs.ts";
import type { StatsUsage } from "../stats/record.ts";
import type { IngestInput } from "./visitor.ts";

/**
 * Tells the products' watcher objects what this batch showed interest in (a restock request;
 * a view or a newly carted item, when the site has a price-drop trigger). Best effort, after
 * the batch is stored: a lost registration costs one catalog email, never a wrong one.
 */
export async function registerInterest(
  env: Env,
  input: IngestInput,
  before: VisitorState | null,
  after: VisitorState,
  events: NudgeEvent[],
  config: SiteConfig,
): Promise<StatsUsage> {
  const now = Date.now();
  const interests = interestsOf(
    before?.profile ?? null,
    after.profile,
    events,
    catalogNeeds(config),
    now,
  );
  const usage = { calls: interests.length, rowsWritten: 0 };
  if (interests.length === 0) return usage;
  const { site, vid } = input;
  const shard = watcherShardOf(vid);
  const results = await Promise.allSettled(
    interests.map((i) =>
      watcherStub(env, site, i.product, shard).register(vid, i.watch, i.seenAt, now),
    ),
  );
  for (const r of results)
    if (r.status === "rejected")
      log("warn", "catalog.interest_failed", { site, vid, reason: errorMessage(r.reason) });
    else usage.rowsWritten += r.value.rowsWritten;
  return usage;
}

/** Tells the person's Contact object about a newly known email and about purchases; returns
 * what linking said (null when nothing was linked). */
export async function notifyContact(
  env: Env,
  state: VisitorState,
  emailBefore: string | null,
  purchases: Order[],
  via: VerifiedVia | undefined,
): Promise<{ verified: boolean } | null> {
  const { site, vid, email } = state.profile;
  if (!email || (email === emailBefore && purchases.length === 0 && !via)) return null;
  const contact = await contactHash(env.NUDGE_SECRET, site, email);
  const stub = contactStub(env, site, contact);
  let linked: { verified: boolean } | null = null;
  try {
    if (email !== emailBefore || via) linked = await stub.link(site, contact, email, vid, via);
    // What a browser reports is a claim; the store's own systems are the authority.
    for (const p of purchases) await stub.purchase(site, contact, p);
  } catch (err) {
    // Measurement and linking are best effort; the events themselves are stored.
    log("warn", "contact.notify_failed", { site, vid, contact, reason: errorMessage(err) });
  }
  return linked;
}
