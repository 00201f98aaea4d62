// What ingest writes, in workerd: rows are billed one by one (SQLite rows written, each
// setAlarm as a row), so a batch writes its one state row and nothing else it can avoid; the
// origin rides in that row; an alarm set earlier is kept and, firing early, writes nothing but
// the next alarm; an episode is counted once however often its batch is sent.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { IngestResult, Visitor } from "../../worker/visitor/visitor.ts";
import type { Report } from "../../worker/stats/report.ts";
import { eventId, getJson, newVid, post, seedSite } from "./helpers.ts";

const SITE = "rows";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stubOf = (site: string, vid: string) =>
  env.VISITORS.get(env.VISITORS.idFromName(`${site}:${vid}`));

const page = () => ({ id: eventId(), name: "page", url: "http://127.0.0.1:8080/p/mug" });
const cart = (quantity = 1) => ({
  id: eventId(),
  name: "cart",
  data: { currency: "EUR", items: [{ id: "mug", name: "Mug", price: 12, quantity }] },
});

async function send(site: string, vid: string, events: unknown[]): Promise<IngestResult> {
  const res = await post({ site, vid, events });
  expect(res.status).toBe(202);
  return res.json<IngestResult>();
}

const alarmOf = (stub: ReturnType<typeof stubOf>) =>
  runInDurableObject(stub, (_o, state) => state.storage.getAlarm());

/** The rows the object wrote since it started (the store's own counter). */
const rowsSoFar = (stub: ReturnType<typeof stubOf>) =>
  runInDurableObject(
    stub,
    (o: Visitor) => (o as unknown as { store: { rowsWritten: number } }).store.rowsWritten,
  );

const cartDue = async (stub: ReturnType<typeof stubOf>) => {
  const s = (await stub.snapshot()) as {
    engine: { episodes: Record<string, { dueAt: number | null }> };
  } | null;
  return s?.engine.episodes["cart-abandoned"]?.dueAt ?? null;
};

beforeAll(async () => {
  await seedSite(SITE);
});

describe("rows an ingested batch writes", () => {
  it("a new visitor's batch writes one state row (the origin inside it) and one alarm", async () => {
    const vid = newVid();
    const first = await send(SITE, vid, [page(), page()]);
    expect(first).toMatchObject({ accepted: 2, rowsWritten: 1, alarmsSet: 1 });
    expect(first.rowsRead).toBeGreaterThan(0);
    const row = await runInDurableObject(stubOf(SITE, vid), (_o, state) =>
      state.storage.sql.exec<{ k: string; v: string }>(`SELECT k, v FROM state`).toArray(),
    );
    expect(row.map((r) => r.k)).toEqual(["visitor"]);
    expect(JSON.parse(row[0]!.v).base).toBe("http://nudge.test");
    // The next batch only moves times later (idle, expiry): still one row, no alarm.
    expect(await send(SITE, vid, [page()])).toMatchObject({ rowsWritten: 1, alarmsSet: 0 });
  });

  it("keeps an earlier alarm when an episode's clock restarts; firing early it writes nothing", async () => {
    const vid = newVid();
    const stub = stubOf(SITE, vid);
    expect(await send(SITE, vid, [cart()])).toMatchObject({ alarmsSet: 1 });
    const firstDue = await cartDue(stub);
    expect(await alarmOf(stub)).toBe(firstDue);
    await new Promise((r) => setTimeout(r, 20));
    // The cart changes: the episode's step is due later now, the alarm stays where it was.
    expect(await send(SITE, vid, [cart(2)])).toMatchObject({ alarmsSet: 0 });
    const laterDue = await cartDue(stub);
    expect(laterDue).toBeGreaterThan(firstDue!);
    expect(await alarmOf(stub)).toBe(firstDue);
    const before = await stub.snapshot();
    const rows = await rowsSoFar(stub);
    // The kept alarm fires (early for the step): nothing is due, nothing written, and the
    // next alarm is the step's real due time.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await rowsSoFar(stub)).toBe(rows);
    expect(await stub.snapshot()).toEqual(before);
    expect(await alarmOf(stub)).toBe(laterDue);
  });

  it("counts an episode once when its batch is sent again", async () => {
    const site = `rows-${Date.now().toString(36)}`;
    await seedSite(site);
    const vid = newVid();
    const batch = [cart()];
    await send(site, vid, batch);
    expect(await send(site, vid, batch)).toMatchObject({ accepted: 0, duplicates: 1 });
    // Measurements are recorded after the answer: wait for the first, then a little longer.
    const entered = async () => {
      const report = await (await getJson(`/admin/api/stats?site=${site}`)).json<Report>();
      return report.triggers.find((t) => t.trigger === "cart-abandoned")?.funnel.entered ?? 0;
    };
    for (let i = 0; i < 250 && (await entered()) === 0; i++) await sleep(20);
    await sleep(200);
    expect(await entered()).toBe(1);
  });

  it("reads the origin an older version kept in a row of its own", async () => {
    const vid = newVid();
    const stub = stubOf(SITE, vid);
    await send(SITE, vid, [page()]);
    // As an older version left it: the state row without the origin, the origin in a row.
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      const v = sql.exec<{ v: string }>(`SELECT v FROM state WHERE k = 'visitor'`).one().v;
      const { base: _drop, ...rest } = JSON.parse(v) as Record<string, unknown>;
      sql.exec(`UPDATE state SET v = ? WHERE k = 'visitor'`, JSON.stringify(rest));
      sql.exec(`INSERT INTO state (k, v) VALUES ('base', 'https://shop.example')`);
    });
    const r = await stub.ingest({
      site: SITE,
      vid,
      tz: null,
      base: null,
      events: [{ id: eventId(), name: "page", at: Date.now(), data: {} }],
    });
    expect(r.accepted).toBe(1);
    const v = await runInDurableObject(
      stub,
      (_o, state) =>
        state.storage.sql.exec<{ v: string }>(`SELECT v FROM state WHERE k = 'visitor'`).one().v,
    );
    expect(JSON.parse(v).base).toBe("https://shop.example");
  });
});
