// `anonymousSteps: "deferred"` on the real Visitor object: an anonymous shopper's cart sets the
// alarm at the episode's end (its last step's hold running out), not at the first step's due time.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, expect, it } from "vitest";
import { eventId, newVid, post, seedSite } from "./helpers.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

beforeAll(async () => {
  await seedSite("steps-live");
  await seedSite("steps-deferred", { anonymousSteps: "deferred" });
});

/** Posts an anonymous cart to `site`; the alarm the visitor's object set, minus the post time. */
async function alarmAfterCart(site: string): Promise<number | null> {
  const vid = newVid();
  const before = Date.now();
  const item = { id: "mug", name: "Mug", price: 12, quantity: 1 };
  const res = await post({
    site,
    vid,
    events: [{ id: eventId(), name: "cart", data: { currency: "EUR", items: [item] } }],
  });
  expect(res.status).toBe(202);
  const stub = env.VISITORS.get(env.VISITORS.idFromName(`${site}:${vid}`));
  const at = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
  return at === null ? null : at - before;
}

it("live: the alarm is set for the first step (1h); deferred: for the episode's end (1h + 1d + a day's hold)", async () => {
  const live = await alarmAfterCart("steps-live");
  const deferred = await alarmAfterCart("steps-deferred");
  expect(live).toBeGreaterThanOrEqual(HOUR - 5_000);
  expect(live).toBeLessThanOrEqual(HOUR + 5_000);
  expect(deferred).toBeGreaterThanOrEqual(HOUR + 2 * DAY - 5_000);
  expect(deferred).toBeLessThanOrEqual(HOUR + 2 * DAY + 5_000);
});
