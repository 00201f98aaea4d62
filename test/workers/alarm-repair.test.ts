// A batch stored and then cut off before its alarm was set (a crash between the two): the
// sender's retry, every event already in, sets the alarm again, so the due step is not lost.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, expect, it } from "vitest";
import { eventId, newVid, post, seedSite } from "./helpers.ts";

const SITE = "alarm-repair";

beforeAll(async () => {
  await seedSite(SITE);
});

it("a retried batch of duplicates sets the alarm the first try never set", async () => {
  const vid = newVid();
  const batch = {
    site: SITE,
    vid,
    events: [
      {
        id: eventId(),
        name: "cart",
        data: { currency: "EUR", items: [{ id: "mug", name: "Mug", price: 12, quantity: 1 }] },
      },
    ],
  };
  expect((await post(batch)).status).toBe(202);
  const stub = env.VISITORS.get(env.VISITORS.idFromName(`${SITE}:${vid}`));
  const alarm = () => runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
  const due = await alarm();
  expect(due).not.toBeNull();
  // The crash: the state is stored, the alarm is not.
  await runInDurableObject(stub, (_o, state) => state.storage.deleteAlarm());
  expect(await alarm()).toBeNull();
  expect((await post(batch)).status).toBe(202);
  expect(await alarm()).toBe(due);
});
