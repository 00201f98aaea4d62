// POST /_dev/ingest-stage in workerd: each stage answers after its own checks, `full` stores a
// batch exactly as POST /e does, and the route does not exist in production.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import app from "../../worker/index.ts";
import { ORIGIN, eventId, getJson, newVid, post, seedSite } from "./helpers.ts";

const SITE = "stages";
const visitorStubOf = (vid: string) => env.VISITORS.get(env.VISITORS.idFromName(`${SITE}:${vid}`));

beforeAll(async () => {
  await seedSite(SITE);
});

const page = () => ({ id: eventId(), name: "page", url: `${ORIGIN}/`, data: { title: "Home" } });
const body = (vid: string, events = [page(), page()], site = SITE) =>
  JSON.stringify({ site, vid, tz: "Europe/Paris", events });

function stage(query: string, text = "", headers: Record<string, string> = {}) {
  return exports.default.fetch(`http://nudge.test/_dev/ingest-stage?${query}`, {
    method: "POST",
    headers: { "content-type": "text/plain", origin: ORIGIN, ...headers },
    body: text,
  });
}

async function storedIds(vid: string): Promise<string[]> {
  const res = await getJson(`/admin/api/visitors/${SITE}/${vid}`);
  if (res.status !== 200) return [];
  return (await res.json<{ profile: { recentIds: string[] } }>()).profile.recentIds;
}

describe("POST /_dev/ingest-stage", () => {
  it("answers right after each stage, storing nothing before full", async () => {
    const vid = newVid();
    const text = body(vid);
    for (const stop of ["read", "parse", "config", "limits"]) {
      const res = await stage(`stop=${stop}`, text);
      expect(res.status, stop).toBe(200);
      expect(await res.json(), stop).toMatchObject({ stop });
    }
    expect(await storedIds(vid)).toEqual([]);
    const hop = await stage(`stop=hop&site=${SITE}&vid=${vid}`);
    expect(hop.status).toBe(200);
    expect(await hop.json()).toMatchObject({ stop: "hop", at: expect.any(Number) });
    expect(await storedIds(vid)).toEqual([]);
  });

  it("hopWrite writes one row of its own, no event and no alarm", async () => {
    const vid = newVid();
    const res = await stage(`stop=hopWrite&site=${SITE}&vid=${vid}`);
    expect(res.status).toBe(200);
    const { at } = await res.json<{ at: number }>();
    expect(at).toEqual(expect.any(Number));
    const rows = await runInDurableObject(visitorStubOf(vid), (_o, state) => ({
      state: state.storage.sql.exec<{ k: string; v: string }>(`SELECT k, v FROM state`).toArray(),
      outbox: state.storage.sql.exec(`SELECT key FROM outbox`).toArray().length,
      alarm: state.storage.getAlarm(),
    }));
    expect(rows.state).toEqual([{ k: "probe", v: String(at) }]);
    expect(rows.outbox).toBe(0);
    expect(await rows.alarm).toBeNull();
    expect(await storedIds(vid)).toEqual([]);
  });

  it("stops at the stage that refuses: bad JSON at parse, an unknown site at config", async () => {
    expect((await stage("stop=read", "{nope")).status).toBe(200);
    expect((await stage("stop=parse", "{nope")).status).toBe(400);
    const unknown = body(newVid(), [page()], "nosuchsite");
    expect((await stage("stop=parse", unknown)).status).toBe(200);
    expect((await stage("stop=config", unknown)).status).toBe(403);
    const foreign = await stage("stop=config", body(newVid()), { origin: "https://evil.test" });
    expect(foreign.status).toBe(403);
  });

  it("refuses an unknown stop or a bad visitor id with 400", async () => {
    expect((await stage("stop=nope", body(newVid()))).status).toBe(400);
    expect((await stage(`stop=hop&site=${SITE}&vid=short`)).status).toBe(400);
  });

  it("full stores the batch exactly as POST /e does", async () => {
    const [a, b] = [newVid(), newVid()];
    const events = [page(), page(), page()];
    const viaStage = await stage("stop=full", body(a, events));
    const viaE = await post(body(b, events));
    expect(viaStage.status).toBe(202);
    expect(viaE.status).toBe(202);
    const [s, e] = [await viaStage.json(), await viaE.json()];
    expect(s).toEqual(e);
    expect(s).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(await storedIds(a)).toEqual(await storedIds(b));
    expect(await storedIds(a)).toHaveLength(3);
    // Sent again: duplicates, as /e counts them.
    expect(await (await stage("stop=full", body(a, events))).json()).toMatchObject({
      accepted: 0,
      duplicates: 3,
    });
  });

  it("is 404 in production, for every stage", async () => {
    // Secrets long enough for production, so the whole app serves and the route alone is absent.
    const prod = {
      ...env,
      NUDGE_ENV: "production",
      ADMIN_TOKEN: "p".repeat(40),
      NUDGE_SECRET: "s".repeat(40),
      NUDGE_SERVER_KEY: "k".repeat(40),
    };
    for (const stop of ["read", "hop", "full"]) {
      const res = await app.request(
        `http://nudge.test/_dev/ingest-stage?stop=${stop}&site=${SITE}&vid=${newVid()}`,
        { method: "POST", headers: { origin: ORIGIN }, body: body(newVid()) },
        prod,
      );
      expect(res.status, stop).toBe(404);
    }
    // The same request in test reaches the stage (the 404 is the environment, not the request).
    const hop = `http://nudge.test/_dev/ingest-stage?stop=hop&site=${SITE}&vid=${newVid()}`;
    expect((await app.request(hop, { method: "POST" }, env)).status).toBe(200);
  });
});
