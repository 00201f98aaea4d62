// The stats projection of domain events (worker/engine/facts.ts): which facts are measured, as
// which metric, group and dedupe key. Pure. Each fact is projected once, by the object that
// decided it (the Visitor for engine facts, retries and webhooks; the Contact for sends).
import { CONFIRM_TRIGGER } from "../engine/effects.ts";
import type { Fact } from "../engine/facts.ts";
import type { StatEvent } from "./types.ts";

/** The measurement events for `facts` at time `at` (`contact`: hash, when one is known). */
export function statsOfFacts(
  site: string,
  facts: readonly Fact[],
  at: number,
  contact?: string,
): StatEvent[] {
  const out: StatEvent[] = [];
  const who = contact ? { contact } : {};
  /** The common fields of a measurement about an episode (no variant: not yet split). */
  const episode = (f: { trigger: string }, step: number | null, holdout: boolean) => ({
    site,
    trigger: f.trigger,
    step,
    variant: null,
    group: holdout ? ("holdout" as const) : ("treated" as const),
    at,
  });
  for (const f of facts) {
    switch (f.type) {
      // An episode's entry, cancellation and due steps are decided by the engine once, in the
      // Visitor's transaction that stores them (a retried batch or alarm finds them stored and
      // decides nothing again): counted without a dedupe row.
      case "entered":
        out.push({ ...episode(f, null, f.holdout), metric: "entered" });
        break;
      case "cancelled":
        out.push({ ...episode(f, f.step, false), metric: "cancelled", reason: f.reason });
        break;
      case "due":
        out.push({ ...episode(f, f.step, f.holdout), metric: "due" });
        break;
      case "skipped":
      case "sent":
      case "withheld":
      case "failed": {
        const base = {
          site,
          trigger: f.trigger,
          step: f.step,
          variant: f.variant,
          group: f.holdout ? ("holdout" as const) : ("treated" as const),
          at,
          ...who,
        };
        if (f.trigger === CONFIRM_TRIGGER && f.type !== "withheld") {
          // A confirmation email has no engine episode of its own: its request is both the
          // episode and its one due step, so the funnel reads entered ≥ due ≥ sent for it too.
          const e = episode(f, null, false);
          out.push({ ...e, metric: "entered", unique: `${f.episode}:entered` });
          out.push({ ...e, step: f.step, metric: "due", unique: `${f.episode}:${f.step}:due` });
        }
        if (f.type === "skipped")
          out.push({
            ...base,
            metric: "skipped",
            reason: f.reason,
            // The engine decides a skip once, like an entry or a due step (above).
            ...(f.engine ? {} : { unique: `${f.key}:skipped` }),
          });
        else if (f.type === "failed")
          out.push({
            ...base,
            metric: "failed",
            reason: f.gaveUp ? `gave_up:${f.reason}` : f.reason,
            unique: `${f.key}:failed`,
          });
        else if (f.channel === "webhook") {
          // A held-out webhook is not counted (as before): only performed webhooks are.
          if (f.type === "sent") out.push({ ...base, metric: "sent", unique: `${f.key}:webhook` });
        } else out.push({ ...base, metric: "sent", unique: f.key });
        break;
      }
      default:
        break;
    }
  }
  return out;
}
