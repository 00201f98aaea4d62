// Delivery logic with fakes for storage, network and time: batching, offline, 5xx retry, 4xx
// drop, beacon, batch size, consent gating, and what the next page picks up.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BatchSchema, type Batch, type WireEvent } from "../worker/ingest/wire.ts";
import type * as Transport_ from "./transport.ts";

type Transport = typeof Transport_;

let store: Record<string, string>;
let online: boolean;
let beacon: ReturnType<typeof vi.fn<(url: string | URL, body: string) => boolean>>;
let fetchMock: ReturnType<
  typeof vi.fn<(url: string | URL, init: RequestInit) => Promise<{ status: number }>>
>;
let status: number | "error";
let n = 0;

const ev = (): WireEvent => ({ id: `ev-${n++}-abcdefgh`, name: "page", data: {} });
const posted = (): Batch[] =>
  fetchMock.mock.calls.map(([, init]) => JSON.parse(init.body as string) as Batch);
const ids = (bs: Batch[]) => bs.flatMap((b) => b.events.map((e) => e.id));

async function load(): Promise<Transport> {
  vi.resetModules();
  const t = await import("./transport.ts");
  t.setup("https://nudge.example/e", { site: "shop", tz: "Europe/Paris" });
  return t;
}

beforeEach(() => {
  vi.useFakeTimers();
  store = {};
  online = true;
  status = 202;
  beacon = vi.fn(() => true);
  fetchMock = vi.fn(() =>
    status === "error" ? Promise.reject(new TypeError("network")) : Promise.resolve({ status }),
  );
  vi.stubGlobal("localStorage", store);
  vi.stubGlobal("navigator", {
    get onLine() {
      return online;
    },
    sendBeacon: beacon,
  });
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("transport", () => {
  it("batches events pushed together into one text/plain POST with keepalive", async () => {
    const t = await load();
    t.allow(true);
    t.push(ev());
    t.push(ev());
    expect(fetchMock).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(250);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(String(url)).toBe("https://nudge.example/e");
    expect(init).toMatchObject({ method: "POST", keepalive: true });
    expect(typeof init.body).toBe("string"); // → text/plain, no preflight
    const [b] = posted();
    expect(BatchSchema.safeParse(b).success).toBe(true);
    expect(b).toMatchObject({ site: "shop", tz: "Europe/Paris" });
    expect(b!.events).toHaveLength(2);
    expect(store.nudge_vid).toBe(b!.vid);
    expect(store.nudge_q).toBe("[]");
  });

  it("splits more than 50 pending events into batches of at most 50", async () => {
    const t = await load();
    t.allow(true);
    for (let i = 0; i < 120; i++) t.push(ev());
    await vi.advanceTimersByTimeAsync(250);
    expect(posted().map((b) => b.events.length)).toEqual([50, 49]); // 99 kept: the queue is bounded
  });

  /** An event whose JSON holds `chars` characters of `c` in its data. */
  const big = (chars: number, c = "x"): WireEvent => ({
    id: ev().id,
    name: "track",
    event: "big",
    data: { pad: c.repeat(chars) },
  });
  const bytes = (): number[] =>
    fetchMock.mock.calls.map(([, init]) => Buffer.byteLength(init.body as string));

  it("keeps every batch body under 60,000 bytes, halving the count until it fits", async () => {
    const t = await load();
    t.allow(true);
    const evs = [ev(), big(25_000), big(25_000), ev(), big(25_000), ev()];
    for (const e of evs) t.push(e);
    await vi.advanceTimersByTimeAsync(250);
    // 6 events (75 kB) → 3 (50 kB) fit; then 3 (50 kB) fit.
    expect(posted().map((b) => b.events.length)).toEqual([3, 3]);
    expect(ids(posted())).toEqual(evs.map((e) => e.id));
    expect(Math.max(...bytes())).toBeLessThan(60_000);
    expect(store.nudge_q).toBe("[]");
  });

  it("counts bytes, not characters: multi-byte text makes smaller batches", async () => {
    const t = await load();
    t.allow(true);
    const evs = [big(12_000, "é"), big(12_000, "€"), big(12_000, "é")]; // 24, 36, 24 kB
    for (const e of evs) t.push(e);
    await vi.advanceTimersByTimeAsync(250);
    expect(posted().map((b) => b.events.length)).toEqual([1, 1, 1]);
    expect(ids(posted())).toEqual(evs.map((e) => e.id));
    expect(Math.max(...bytes())).toBeLessThan(60_000);
  });

  it("drops, unsent and not retried, one event too big to go alone; the rest goes", async () => {
    const t = await load();
    t.allow(true);
    const [a, huge, b] = [ev(), big(70_000), ev()];
    for (const e of [a, huge, b]) t.push(e);
    await vi.advanceTimersByTimeAsync(250);
    expect(ids(posted())).toEqual([a.id, b.id]);
    expect(store.nudge_q).toBe("[]");
    t.flush();
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchMock).toHaveBeenCalledTimes(2); // nothing left to retry
  });

  it("keeps at most 99 waiting events, dropping the oldest", async () => {
    const t = await load();
    t.allow(false);
    const evs = Array.from({ length: 124 }, ev);
    for (const e of evs) t.push(e);
    t.allow(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(ids(posted())).toEqual(evs.slice(25).map((e) => e.id));
  });

  it.each([[""], ["{"], ["null"], ["42"], ['{"a":1}']])(
    "reads a stored queue of %j as empty",
    async (stored) => {
      store.nudge_q = stored;
      const t = await load();
      t.allow(true);
      const e = ev();
      t.push(e);
      await vi.advanceTimersByTimeAsync(250);
      expect(ids(posted())).toEqual([e.id]);
    },
  );

  it("holds events offline (kept in storage) and sends them once back online", async () => {
    const t = await load();
    t.allow(true);
    online = false;
    t.push(ev());
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(JSON.parse(store.nudge_q!)).toHaveLength(1);
    online = true;
    t.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(posted()[0]!.events).toHaveLength(1);
    expect(store.nudge_q).toBe("[]");
  });

  it.each([503, "error"] as const)(
    "puts a batch back after %s and resends the same ids",
    async (fail) => {
      const t = await load();
      t.allow(true);
      status = fail;
      t.push(ev());
      await vi.advanceTimersByTimeAsync(250);
      expect(JSON.parse(store.nudge_q!)).toHaveLength(1);
      status = 202;
      t.push(ev());
      await vi.advanceTimersByTimeAsync(250);
      const [first, second] = posted();
      expect(second!.events.map((e) => e.id)).toEqual([
        ...first!.events.map((e) => e.id),
        expect.any(String),
      ]);
      expect(store.nudge_q).toBe("[]");
    },
  );

  it("drops a batch the worker refused with a 4xx", async () => {
    const t = await load();
    t.allow(true);
    status = 400;
    t.push(ev());
    await vi.advanceTimersByTimeAsync(250);
    status = 202;
    t.push(ev());
    await vi.advanceTimersByTimeAsync(250);
    expect(posted().map((b) => b.events.length)).toEqual([1, 1]);
  });

  it("uses sendBeacon when leaving, and fetch keepalive when the beacon is refused", async () => {
    const t = await load();
    t.allow(true);
    t.push(ev());
    t.flush(1);
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(fetchMock).not.toHaveBeenCalled();
    beacon.mockReturnValueOnce(false);
    t.push(ev());
    t.flush(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("without consent sends and stores nothing, then sends what waited once allowed", async () => {
    const t = await load();
    t.allow(false);
    t.push(ev());
    t.push(ev());
    await vi.advanceTimersByTimeAsync(1000);
    expect(fetchMock).not.toHaveBeenCalled();
    expect(beacon).not.toHaveBeenCalled();
    expect(store).toEqual({});
    t.allow(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(posted()[0]!.events).toHaveLength(2);
    t.allow(false);
    expect(store).toEqual({});
  });

  it("sends on the next page what this one could not (and only once)", async () => {
    let t = await load();
    t.allow(true);
    online = false;
    t.push(ev());
    t.push(ev());
    const left = JSON.parse(store.nudge_q!) as WireEvent[];
    online = true;
    vi.clearAllTimers(); // this page is gone
    t = await load(); // the next page: fresh module state, same storage
    t.allow(true);
    t.allow(true); // a second allow (e.g. an explicit consent) must not duplicate
    await vi.advanceTimersByTimeAsync(250);
    expect(ids(posted())).toEqual(left.map((e) => e.id));
  });

  it("makes a visitor id with crypto.randomUUID, and keeps one an earlier snippet stored", async () => {
    let t = await load();
    t.allow(true);
    t.push(ev());
    await vi.advanceTimersByTimeAsync(250);
    expect(posted()[0]!.vid).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    expect(store.nudge_vid).toBe(posted()[0]!.vid);
    const old = "3141592653-589793238-4626433832-795028841"; // the ids before randomUUID
    store.nudge_vid = old;
    t = await load();
    t.allow(true);
    t.push(ev());
    await vi.advanceTimersByTimeAsync(250);
    expect(posted()[1]!.vid).toBe(old);
    expect(BatchSchema.safeParse(posted()[1]).success).toBe(true);
    expect(store.nudge_vid).toBe(old);
  });

  it("survives storage that throws", async () => {
    vi.stubGlobal(
      "localStorage",
      new Proxy(
        {},
        {
          get: () => {
            throw new Error("denied");
          },
          set: () => {
            throw new Error("denied");
          },
        },
      ),
    );
    const t = await load();
    t.allow(true);
    t.push(ev());
    await vi.advanceTimersByTimeAsync(250);
    expect(posted()[0]!.vid).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
  });
});
