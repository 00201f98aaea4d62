// The Pacer object and the two calls a delivery makes around its render (worker/mail/pacer.ts),
// in workerd: a send ready in time goes at its slot; one ready too late for it books again, even
// when its line was quiet when it booked, so the calls booked after it keep their second.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bookSendSlot, waitForSlot } from "../../worker/mail/pacer.ts";
import { WINDOW_MS } from "../../worker/mail/pacing.ts";

/** The worker's env with a provider key (so sends are paced) and a limit of 5 a second. */
const paced = { ...env, RESEND_API_KEY: "re_pacer_test", RESEND_RATE_LIMIT: "5" } as Env;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const key = (tag: string) => `pacer-test:${tag}:${n++}`;

describe("Pacer: booking and waiting for a slot", () => {
  it("a send ready in time for its slot goes at it, booking nothing more", async () => {
    const slot = await bookSendSlot(paced, key("on-time"));
    expect(slot.ok).toBe(true);
    if (!slot.ok) return;
    const went = await waitForSlot(paced, key("on-time"), slot);
    expect(went).toEqual({ ok: true, at: slot.at });
  });

  it("a send ready too late books a new slot, behind the ones booked after its own", async () => {
    await sleep(WINDOW_MS + 100); // the line is quiet again
    const first = await bookSendSlot(paced, key("late"));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    // A flood right behind it: the other four of its window, then five in the next one.
    const after: number[] = [];
    for (let i = 0; i < 9; i++) {
      const s = await bookSendSlot(paced, key("flood"));
      if (s.ok) after.push(s.at);
    }
    expect(after).toHaveLength(9);
    await sleep(200); // its render took 200 ms: too late for its slot
    const again = await waitForSlot(paced, key("late"), first);
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    // Not at its old slot (it would make six calls in a second with the five booked next), but
    // a slot of its own, a window after the fifth slot before it.
    expect(again.at).toBeGreaterThanOrEqual(after[4]! + WINDOW_MS - 5);
    expect(Date.now()).toBeGreaterThanOrEqual(again.at - 5);
  });
});
