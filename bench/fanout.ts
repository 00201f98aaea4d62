// Catalog fan-out figures for `npm run bench`, on the real local stack (`wrangler dev`):
// - 10,000 visitors ask to hear when one product returns (server `notify` events by vid, 100 a
//   request, 4 requests in flight), the product being sold out in the catalog.
// - One catalog push turns it available: fanoutSeconds = from that push until every watcher
//   shard has told all its visitors (no request left, no job left; polled on the admin API).
// - Told once: the product sells out and returns again (a second restock, announced to nobody:
//   the requests were used up), then a sample of 100 visitors must each hold a restock event
//   exactly once (fanoutMissed: none; fanoutDoubled: two).
import { load } from "./load.ts";
import { SERVER_KEY, startStack } from "../test/browser/support/stack.ts";

const SITE = "fanbench";
const WATCHERS = 10_000;
const PER_REQUEST = 100;
const PRODUCT = "bench-boots";
const SAMPLE = 100;

const vidOf = (i: number) => `fanbench-visitor-${String(i).padStart(6, "0")}`;

export async function benchFanout(): Promise<Record<string, number | string>> {
  const stack = await startStack({
    site: SITE,
    config: {
      triggers: [
        {
          id: "back-in-stock",
          on: "back_in_stock",
          frequencyCap: false,
          steps: [{ wait: "0s", template: "back-in-stock", subject: "{{ product.name }} is back" }],
        },
      ],
    },
  });
  const api = (path: string, body: unknown) =>
    fetch(`${stack.worker}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${SERVER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const catalog = async (available: boolean) => {
    const res = await api("/v1/catalog", {
      site: SITE,
      products: [{ id: PRODUCT, name: "Trail boots", price: 120, currency: "EUR", available }],
    });
    if (res.status !== 200) throw new Error(`catalog push: ${res.status} ${await res.text()}`);
    return (await res.json()) as { back_in_stock: number };
  };
  const product = async () => {
    const res = await stack.admin(`/admin/api/catalog/${SITE}/products/${PRODUCT}`);
    return (await res.json()) as { watchers: number; fanouts: number };
  };
  try {
    await catalog(false);
    const requests = WATCHERS / PER_REQUEST;
    const body = (r: number) => ({
      site: SITE,
      events: Array.from({ length: PER_REQUEST }, (_, k) => ({
        id: `fan-notify-${r}-${k}`,
        name: "notify",
        vid: vidOf(r * PER_REQUEST + k),
        data: { product: PRODUCT },
      })),
    });
    const failed = new Set<number>();
    let firstFailure = "none";
    const reg = await load(
      { total: requests, concurrency: 4, maxMs: 300_000 },
      (r) => api("/v1/events", body(r)),
      async (r, res) => {
        const text = await res.text();
        if (res.status === 202) return;
        failed.add(r);
        if (firstFailure === "none") firstFailure = `${res.status} ${text.slice(0, 200)}`;
      },
    );
    // What a backend does with a 503: the same request again (event ids make it harmless).
    let retried = 0;
    for (const r of [...failed])
      for (let attempt = 0; attempt < 3 && failed.has(r); attempt++) {
        retried++;
        const res = await api("/v1/events", body(r));
        await res.arrayBuffer();
        if (res.status === 202) failed.delete(r);
      }
    const registered = (await product()).watchers;

    const t0 = performance.now();
    const push = await catalog(true);
    const deadline = Date.now() + 600_000;
    let left = await product();
    while ((left.watchers > 0 || left.fanouts > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      left = await product();
    }
    const fanoutSeconds = (performance.now() - t0) / 1000;

    // Sold out and back again: every request was used up, so nobody is told twice.
    await catalog(false);
    const again = await catalog(true);
    await new Promise((r) => setTimeout(r, 3_000));
    let missed = 0;
    let doubled = 0;
    for (let s = 0; s < SAMPLE; s++) {
      const vid = vidOf(s * Math.floor(WATCHERS / SAMPLE));
      const res = await stack.admin(`/admin/api/visitors/${SITE}/${vid}`);
      const state =
        res.status === 200 ? ((await res.json()) as { profile: { recentIds: string[] } }) : null;
      const told = state?.profile.recentIds.filter((id) => id.startsWith("bis-")).length ?? 0;
      if (told === 0) missed++;
      if (told > 1) doubled++;
    }

    return {
      fanoutWatchers: registered,
      fanoutRegisterSeconds: Math.round(reg.seconds * 10) / 10,
      fanoutRegisterStatuses: JSON.stringify(reg.statuses),
      fanoutRegisterRetried: retried,
      fanoutRegisterFirstFailure: firstFailure,
      fanoutRestocksAnnounced: push.back_in_stock,
      fanoutSeconds: Math.round(fanoutSeconds * 10) / 10,
      fanoutVisitorsPerSec: Math.round(registered / fanoutSeconds),
      fanoutLeftWatchers: left.watchers,
      fanoutSample: SAMPLE,
      fanoutMissed: missed,
      fanoutDoubled: doubled,
      fanoutSecondRestocks: again.back_in_stock,
    };
  } finally {
    await stack.stop();
  }
}
