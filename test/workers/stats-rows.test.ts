// A Stats shard's storage in workerd: a day's counters in one row (one row written per call,
// however many counters of however many triggers change), and counters earlier versions stored
// per (day, trigger) or one row each still read with them.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardOf, statsStub } from "../../worker/stats/record.ts";
import { PART_CHARS } from "../../worker/stats/stats.ts";
import { DAY, cartOf, ev, freshSite, report } from "./stats-support.ts";

describe("stats shard rows", () => {
  it("writes one row per day a call touches, however many counters of however many triggers change", async () => {
    const site = await freshSite();
    // One Visitor transaction's facts: due and skipped (no address) steps of one episode, and
    // another trigger's episode entered; all go to one shard here.
    // (a contact whose events of both triggers go to one shard)
    const contact = Array.from({ length: 99 }, (_, i) => `c${i}`).find(
      (c) =>
        shardOf({ trigger: "cart-abandoned", contact: c, at: 0 }) ===
        shardOf({ trigger: "browse-abandoned", contact: c, at: 0 }),
    );
    const at = Date.now();
    const events = [
      ev(site, { metric: "due", step: 0 }),
      ev(site, { metric: "skipped", step: 0, reason: "no_email" }),
      ev(site, { metric: "due", step: 1 }),
      ev(site, { metric: "skipped", step: 1, reason: "no_email" }),
      ev(site, { metric: "entered", trigger: "browse-abandoned", step: null }),
    ].map((e) => ({ ...e, contact, at }));
    const stub = statsStub(env, site, shardOf(events[0]!));
    expect(new Set(events.map(shardOf)).size).toBe(1);
    expect((await stub.record(events)).rowsWritten).toBe(1);
    // The same again adds to the stored row: still one row written, the counts doubled.
    expect((await stub.record(events)).rowsWritten).toBe(1);
    // An event of another day is another row.
    const yesterday = ev(site, { metric: "due", step: 0, at: Date.now() - 86_400_000 });
    const other = statsStub(env, site, shardOf(yesterday));
    expect((await other.record([yesterday, yesterday])).rowsWritten).toBe(1);
    const r = await report(site);
    expect(cartOf(r)?.funnel).toMatchObject({ due: 6 });
    expect(cartOf(r)?.steps.map((x) => [x.step, x.funnel.due, x.funnel.skipped])).toEqual([
      [1, 4, 2],
      [2, 2, 2],
    ]);
    expect(r.triggers.find((t) => t.trigger === "browse-abandoned")?.funnel.entered).toBe(2);
  });

  it("goes on in a new part once a day's row is full, and sums the parts", async () => {
    const site = await freshSite();
    const at = Date.now();
    const one = (reason: string) => ev(site, { metric: "skipped", reason, contact: "c", at });
    const stub = statsStub(env, site, shardOf(one("")));
    // One call may fill a row past the limit (its cells ~60 characters each)...
    const many = Array.from({ length: Math.ceil(PART_CHARS / 40) }, (_, i) => one(`r${i}`));
    expect((await stub.record(many)).rowsWritten).toBe(1);
    // ...the next call's counters go to a new part: one row written, the full one untouched.
    expect((await stub.record([one("r0"), one("r0")])).rowsWritten).toBe(1);
    expect((await stub.record([one("r1")])).rowsWritten).toBe(1);
    const parts = await runInDurableObject(stub, (_o, state) =>
      state.storage.sql
        .exec<{ part: number; size: number }>(`SELECT part, length(cells) AS size FROM days`)
        .toArray(),
    );
    expect(parts.map((p) => p.part)).toEqual([0, 1]);
    expect(parts[0]!.size).toBeGreaterThan(PART_CHARS);
    expect(parts[1]!.size).toBeLessThan(200);
    const r = cartOf(await report(site));
    expect(r?.funnel.skipped).toBe(many.length + 3);
  });

  it("still reads counters earlier versions stored, summed with the new ones", async () => {
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
      // A (day, trigger) row: its cells name no trigger.
      state.storage.sql.exec(
        `INSERT INTO counts (day, trigger, cells) VALUES (?, 'cart-abandoned', ?)`,
        DAY,
        JSON.stringify({ '[0,null,"treated","sent","",""]': [3, 0] }),
      );
    });
    expect(cartOf(await report(site))?.funnel.sent).toBe(9);
  });
});
