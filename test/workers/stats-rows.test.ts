// A Stats shard's storage in workerd: a day's counters of one trigger in one row (one row
// written per call, however many of its counters change), and counters an earlier version
// stored one row each still read with them.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardOf, statsStub } from "../../worker/stats/record.ts";
import type { StatEvent } from "../../worker/stats/types.ts";
import { DAY, cartOf, ev, freshSite, report } from "./stats-support.ts";

describe("stats shard rows", () => {
  it("writes one row per day and trigger a call touches, however many of its counters change", async () => {
    const site = await freshSite();
    // One Visitor transaction's facts for one episode: due, skipped (no address), completed
    // steps of two triggers; all of a trigger's go to one shard.
    const events = [
      ev(site, { metric: "due", step: 0 }),
      ev(site, { metric: "skipped", step: 0, reason: "no_email" }),
      ev(site, { metric: "due", step: 1 }),
      ev(site, { metric: "skipped", step: 1, reason: "no_email" }),
      ev(site, { metric: "entered", trigger: "browse-abandoned", step: null }),
    ];
    const stub = (e: StatEvent) => statsStub(env, site, shardOf(e));
    const cart = events.slice(0, 4);
    expect(new Set(cart.map(shardOf)).size).toBe(1);
    expect((await stub(cart[0]!).record(cart)).rowsWritten).toBe(1);
    expect((await stub(events[4]!).record([events[4]!])).rowsWritten).toBe(1);
    // The same again adds to the stored row: still one row written, the counts doubled.
    expect((await stub(cart[0]!).record(cart)).rowsWritten).toBe(1);
    const r = cartOf(await report(site));
    expect(r?.funnel).toMatchObject({ due: 4 });
    expect(r?.steps.map((x) => [x.step, x.funnel.due, x.funnel.skipped])).toEqual([
      [1, 2, 2],
      [2, 2, 2],
    ]);
  });

  it("still reads counters an earlier version stored one row each, summed with the new ones", async () => {
    const site = await freshSite();
    const e = ev(site, { metric: "sent", step: 0, contact: "c1" });
    const stub = statsStub(env, site, shardOf(e));
    await stub.record([e]);
    await runInDurableObject(stub, (_o, state) => {
      state.storage.sql.exec(
        `INSERT INTO counters (day, trigger, step, variant, grp, metric, reason, currency, count, sum)
         VALUES (?, 'cart-abandoned', 0, -1, 'treated', 'sent', '', '', 5, 0)`,
        DAY,
      );
    });
    expect(cartOf(await report(site))?.funnel.sent).toBe(6);
  });
});
