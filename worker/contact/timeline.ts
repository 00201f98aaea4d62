// A person's timeline as the Contact object knows it, derived from its one record (nothing
// stored for it): each ledger key's outcome (sent, skipped with its reason, failed, withheld),
// the opens and clicks still kept for attribution, the suppression, the kinds of email the person
// stopped and the verification. Pure.
import type { TimelineEntry } from "../timeline/entry.ts";
import type { ContactRecord } from "./record.ts";
import { humanStep } from "../lib/step.ts";

/** trigger, episode and 1-based step of a ledger key (`site.trigger.episode.step`). */
function parseKey(
  site: string,
  key: string,
): { trigger: string; episode: string; step: number } | null {
  if (!key.startsWith(`${site}.`)) return null;
  const parts = key.slice(site.length + 1).split(".");
  if (parts.length !== 3 || !/^\d+$/.test(parts[2]!)) return null;
  return { trigger: parts[0]!, episode: parts[1]!, step: humanStep(Number(parts[2])) };
}

const optedOutWords = (topic: string) => `opted out of ${topic} emails`;

export function contactTimeline(r: ContactRecord): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const [key, e] of Object.entries(r.policy.ledger)) {
    const ref = parseKey(r.site, key) ?? { detail: key };
    const withheld = e.outcome === "skipped" && e.reason === "holdout";
    out.push({
      at: e.at,
      kind: withheld ? "withheld" : e.outcome,
      ...ref,
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.messageId ? { detail: `id ${e.messageId}` } : {}),
      ...(e.topic ? { detail: optedOutWords(e.topic) } : {}),
    });
  }
  for (const t of r.touches.list) {
    if (t.kind === "sent") continue; // the ledger has the send
    out.push({
      at: t.at,
      kind: t.kind === "open" ? "opened" : "clicked",
      trigger: t.trigger,
      episode: t.episode,
      step: humanStep(t.step),
    });
  }
  const s = r.policy.suppressed;
  if (s) out.push({ at: s.at, kind: s.reason });
  for (const [topic, at] of Object.entries(r.policy.optedOut ?? {}))
    out.push({ at, kind: "opted_out", detail: optedOutWords(topic) });
  if (r.verified) out.push({ at: r.verified.at, kind: "verified", detail: r.verified.via });
  return out.sort((a, b) => a.at - b.at);
}
