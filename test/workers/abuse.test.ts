// Attacks a hostile browser can make, replayed on the real worker in workerd. Each must stay
// within the limits the site sets, whatever the triggers say.
import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { OutboxJsonItem } from "../../worker/mail/outbox-view.ts";
import { eventId, getJson, newVid, post, seedSite } from "./helpers.ts";

const SITE = "abuse";
const DAILY_LIMIT = 10;

beforeAll(async () => {
  // Order mail exempt from the cap and re-entering on every purchase: the amplifier.
  await seedSite(SITE, {
    triggers: [
      {
        id: "thank-you",
        on: "purchase",
        frequencyCap: false,
        reentry: "always",
        steps: [{ wait: "0s", template: "thank-you", subject: "Thanks for your order" }],
      },
      {
        // Keeps the page view's snapshot (and its URL) in the visitor's state for a day.
        id: "page-seen",
        on: "page",
        steps: [{ wait: "1d", template: "welcome", subject: "Hello" }],
      },
    ],
  });
});

async function emailsTo(email: string): Promise<OutboxJsonItem[]> {
  const res = await exports.default.fetch("http://nudge.test/_dev/outbox.json");
  const body = await res.json<{ emails: OutboxJsonItem[] }>();
  return body.emails.filter((e) => e.to === email);
}

/** Waits (bounded) until a visitor's outbox is empty, running its alarm when one is set (the
 * alarm also fires by itself; each run drains a bounded number of rows). */
async function drain(vid: string) {
  const stub = env.VISITORS.get(env.VISITORS.idFromName(`${SITE}:${vid}`));
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    await runDurableObjectAlarm(stub);
    const res = await getJson(`/admin/api/visitors/${SITE}/${vid}`);
    if ((await res.json<{ outbox: unknown[] }>()).outbox.length === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`outbox of ${vid} did not drain`);
}

const purchase = (n: number) => ({
  id: eventId(),
  name: "purchase",
  data: { order_id: `o${n}`, value: 1, currency: "EUR" },
});

async function skippedFor(email: string, reason: string): Promise<number> {
  const res = await getJson(`/admin/api/contacts/${SITE}/${encodeURIComponent(email)}`);
  const body = await res.json<{ sends: { outcome: string; reason?: string }[] }>();
  return body.sends.filter((s) => s.outcome === "skipped" && s.reason === reason).length;
}

describe("amplification", () => {
  it("one batch of 30 purchases sends one address at most dailyLimit emails", async () => {
    const victim = `victim.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const vid = newVid();
    const res = await post({
      site: SITE,
      vid,
      events: [
        { id: eventId(), name: "identify", data: { email: victim } },
        ...Array.from({ length: 30 }, (_, i) => purchase(i)),
      ],
    });
    expect(res.status).toBe(202);
    await drain(vid);
    expect(await emailsTo(victim)).toHaveLength(DAILY_LIMIT);
    expect(await skippedFor(victim, "daily_limit")).toBe(30 - DAILY_LIMIT);
  });

  it("many visitor ids naming one address share its ceiling", async () => {
    const victim = `victim.${crypto.randomUUID().slice(0, 8)}@example.com`;
    for (let v = 0; v < 8; v++) {
      const vid = newVid();
      const res = await post({
        site: SITE,
        vid,
        events: [
          { id: eventId(), name: "identify", data: { email: victim } },
          purchase(2 * v),
          purchase(2 * v + 1),
        ],
      });
      expect(res.status).toBe(202);
      await drain(vid);
    }
    expect(await emailsTo(victim)).toHaveLength(DAILY_LIMIT);
  });
});

describe("query-string leaks", () => {
  it("keeps only origin, path and utm_* of a page URL: nothing else reaches storage or email", async () => {
    const email = `leak.${crypto.randomUUID().slice(0, 8)}@example.com`;
    const vid = newVid();
    const url =
      "http://127.0.0.1:8080/account/reset?token=SECRET123&email=ada%40example.com&utm_source=mail#pw=hunter2";
    const res = await post({
      site: SITE,
      vid,
      events: [
        { id: eventId(), name: "identify", data: { email }, url },
        { id: eventId(), name: "page", url },
        { ...purchase(1), url },
      ],
    });
    expect(res.status).toBe(202);
    await drain(vid);
    const state = await (await getJson(`/admin/api/visitors/${SITE}/${vid}`)).text();
    expect(state).toContain("http://127.0.0.1:8080/account/reset?utm_source=mail");
    const mail = JSON.stringify(await emailsTo(email));
    for (const secret of ["SECRET123", "ada%40example.com", "hunter2"]) {
      expect(state).not.toContain(secret);
      expect(mail).not.toContain(secret);
    }
  });
});
