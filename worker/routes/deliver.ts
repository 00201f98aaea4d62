// Delivers validated server events (POST /v1/events and the platform webhooks) to the objects
// they are about: by visitor when a vid is given, else to the person's Contact object (which
// passes them to every linked device). A few objects at a time; ids make a repeat harmless, so a
// failure part-way is a 503 the sender retries whole.
import type { Sale } from "../catalog/catalog.ts";
import type { CatalogProduct } from "../catalog/schema.ts";
import { recordSales, updateCatalog } from "../catalog/update.ts";
import type { NudgeEvent } from "../ingest/events.ts";
import { routeServerEvent, type RoutedServerEvent } from "../ingest/server-events.ts";
import type { ParsedServerEvent } from "../ingest/server-wire.ts";
import { contactHash } from "../lib/crypto.ts";
import { errorMessage, httpError } from "../lib/errors.ts";
import { log } from "../lib/log.ts";
import { contactStub, visitorStub } from "../lib/stubs.ts";

/** Objects called at once for one request. */
const CONCURRENCY = 8;

export async function deliverServerEvents(
  env: Env,
  site: string,
  events: ParsedServerEvent[],
  base: string,
  now: number,
): Promise<{ accepted: number; duplicates: number }> {
  // Group in order: by visitor (vid given) or by person (email only).
  const byVisitor = new Map<string, RoutedServerEvent[]>();
  const byEmail = new Map<string, RoutedServerEvent[]>();
  const products: CatalogProduct[] = [];
  const sales: Sale[] = [];
  for (const e of events) {
    const r = routeServerEvent(e, now);
    if (r.product) {
      products.push(r.product);
      continue;
    }
    if (r.purchase && e.name === "purchase")
      sales.push({
        order_id: e.data.order_id,
        items: (e.data.items ?? []).map((i) => ({ id: i.id, quantity: i.quantity })),
      });
    // Unsubscribe and resubscribe are about the person: always their Contact object.
    const [map, k] = r.vid && !r.action ? [byVisitor, r.vid] : [byEmail, r.email ?? ""];
    map.set(k, [...(map.get(k) ?? []), r]);
  }
  const jobs: (() => Promise<{ accepted: number; duplicates: number }>)[] = [];
  for (const [vid, list] of byVisitor)
    jobs.push(() =>
      visitorStub(env, site, vid).ingest({
        site,
        vid,
        tz: null,
        base,
        events: list.flatMap(visitorEvents),
      }),
    );
  for (const [email, list] of byEmail)
    jobs.push(async () => {
      const contact = await contactHash(env.NUDGE_SECRET, site, email);
      return contactStub(env, site, contact).serverEvents(site, contact, email, list, base);
    });
  if (sales.length)
    jobs.push(async () => {
      await recordSales(env, site, sales, now);
      return { accepted: 0, duplicates: 0 };
    });
  let accepted = 0;
  let duplicates = 0;
  try {
    // The catalog first: the events of the same request then see today's products.
    if (products.length) {
      await updateCatalog(env, site, products, now);
      accepted += products.length;
    }
    for (let i = 0; i < jobs.length; i += CONCURRENCY) {
      for (const r of await Promise.all(jobs.slice(i, i + CONCURRENCY).map((j) => j()))) {
        accepted += r.accepted;
        duplicates += r.duplicates;
      }
    }
  } catch (err) {
    // Part of the batch may be in: the caller retries the whole batch, and ids dedupe it.
    log("error", "server_events.rejected", {
      site,
      reason: "unavailable",
      detail: errorMessage(err),
    });
    throw httpError(503, "unavailable", undefined, { "retry-after": "5" });
  }
  return { accepted, duplicates };
}

/**
 * A server event for one visitor: its engine events, and when it also names an address, a
 * verified identify first (the visitor is that person).
 */
function visitorEvents(r: RoutedServerEvent): NudgeEvent[] {
  const who: NudgeEvent[] =
    r.email && r.events[0]?.name !== "identify"
      ? [
          {
            id: `${r.id}.who`.slice(0, 64),
            name: "identify",
            at: r.events[0]?.at ?? Date.now(),
            verified: "server",
            data: { email: r.email },
          },
        ]
      : [];
  return [...who, ...r.events];
}
