// A flood of due emails far above the provider's rate limit, on the real stack (`wrangler dev`,
// the real Resend SDK, the contract-checking fake Resend): sends wait their turn in the pacer,
// a wait does not use up an attempt, no second holds more calls than the limit, and every email
// is delivered exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cartBatch, postBatch, recipient, urlSafeId } from "../support/episodes.ts";
import { startFakeResend, type FakeResend } from "../support/fake-resend.ts";
import { startStack, type Stack } from "./support/stack.ts";
import { printStackLogsOnFailure } from "./support/stack-logs.ts";
import { maxInAnySecond } from "../support/windows.ts";

const SITE = "flood";
const API_KEY = "re_flood_key";
const N = 24;
const RATE = 2; // per second: 24 due at once take ≥ 11 s, past the pacer's 5 s line

interface OutboxRow {
  attempts: number;
  last_error: string | null;
}

describe("pacing under a flood", () => {
  let fake: FakeResend | null = null;
  let stack: Stack | null = null;
  printStackLogsOnFailure(() => ({ stack }));

  beforeAll(async () => {
    // The fake enforces the same limit, as Resend does: a call past it is answered 429.
    fake = await startFakeResend({ apiKey: API_KEY, rateLimitPerSec: RATE });
    stack = await startStack({
      site: SITE,
      vars: { RESEND_API_KEY: API_KEY, RESEND_BASE_URL: fake.url, RESEND_RATE_LIMIT: String(RATE) },
      config: {
        frequencyCap: false,
        triggers: [
          {
            id: "cart-abandoned",
            on: "cart",
            if: { "cart.value": { gt: 0 } },
            steps: [{ wait: "1s", template: "cart-abandoned", subject: "Your cart" }],
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await stack?.stop().catch(() => undefined);
    await fake?.close().catch(() => undefined);
  });

  it(
    "delivers every email once; waiting for a slot is not an attempt",
    { timeout: 90_000 },
    async () => {
      const s = stack!;
      const f = fake!;
      const visitors = Array.from({ length: N }, (_, i) => ({
        vid: urlSafeId(i, "fl"),
        email: `flood-${i}@example.com`,
      }));
      const posted = await Promise.all(
        visitors.map((v) => postBatch(s.worker, s.demo, cartBatch(SITE, v.vid, v.email))),
      );
      expect(posted.map((r) => r.status)).toEqual(Array(N).fill(202));

      // While the flood drains, rows waiting for a slot must show no used-up attempt.
      const waiting: OutboxRow[] = [];
      const delivered = () => new Set(f.sends.map((x) => recipient(x.body))).size;
      const end = Date.now() + 60_000;
      while (delivered() < N && Date.now() < end) {
        for (const v of visitors.slice(-6)) {
          const res = await s.admin(`/admin/api/visitors/${SITE}/${v.vid}`);
          if (res.status !== 200) continue;
          const { outbox } = (await res.json()) as { outbox: OutboxRow[] };
          waiting.push(...outbox.filter((r) => r.last_error === "paced"));
        }
        await new Promise((r) => setTimeout(r, 300));
      }

      expect(delivered()).toBe(N);
      expect(f.sends).toHaveLength(N);
      expect(waiting.length).toBeGreaterThan(0); // the flood really went past the pacer's line
      expect(waiting.every((r) => r.attempts === 0)).toBe(true);
      // Never more calls in any second than the limit, as the provider counts them (every call,
      // refused ones too): none refused.
      const arrivals = f.requests.map((r) => r.receivedAt);
      expect(maxInAnySecond(arrivals)).toBeLessThanOrEqual(RATE);
      expect(f.requests.filter((r) => r.status === 429)).toEqual([]);
      const logs = s.logs.join("\n");
      expect(logs).toContain('"reason":"paced"');
      expect(logs).not.toContain('"msg":"send.failed"');
    },
  );
});
