// Maps what the engine and the effect runner decided to measurement events (pure). Sends,
// holdouts, failures the provider reported and suppressions are counted by the Contact object;
// this covers what only the Visitor sees: episodes entered and cancelled, steps due, steps
// skipped before reaching a contact (no_email, no_consent, condition, cancelled) and retries
// that gave up.
import type { Effect } from "../engine/effects.ts";
import type { LogLine } from "../visitor/runner.ts";
import type { StatEvent } from "./types.ts";

type Queued = Exclude<Effect, { type: "log" }>;

const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function statsFromEngine(site: string, effects: readonly Effect[], at: number): StatEvent[] {
  const out: StatEvent[] = [];
  for (const e of effects) {
    if (e.type !== "log") continue;
    const f = e.fields;
    const trigger = str(f.trigger);
    const episode = str(f.episode);
    if (!trigger || !episode) continue;
    const group = f.holdout === true ? "holdout" : "treated";
    const base = { site, trigger, variant: null, at };
    if (e.msg === "episode.started") {
      out.push({ ...base, step: null, group, metric: "entered", unique: `${episode}:entered` });
    } else if (e.msg === "episode.cancelled") {
      out.push({
        ...base,
        step: num(f.step),
        group: "treated",
        metric: "cancelled",
        reason: str(f.reason) || "cancelled",
        unique: `${episode}:cancelled`,
      });
    } else if (e.msg === "step.due") {
      out.push({
        ...base,
        step: num(f.step),
        group,
        metric: "due",
        unique: `${episode}:${String(f.step)}:due`,
      });
    }
  }
  return out;
}

/** The runner's outcome for one queued effect → stats the Contact object could not record. */
export function statsFromRun(
  site: string,
  effect: Queued,
  line: LogLine,
  at: number,
  contact: string | undefined,
): StatEvent[] {
  const base = {
    site,
    trigger: effect.trigger,
    step: effect.step,
    variant: effect.type === "send" ? effect.variant : null,
    group: effect.type !== "skip" && effect.holdout ? ("holdout" as const) : ("treated" as const),
    at,
    ...(contact ? { contact } : {}),
  };
  const reason = str(line.fields.reason);
  if (effect.type === "skip") {
    return [{ ...base, metric: "skipped", reason: effect.reason, unique: `${effect.key}:skipped` }];
  }
  if (line.msg === "send.failed" && reason.startsWith("gave_up:")) {
    return [{ ...base, metric: "failed", reason, unique: `${effect.key}:failed` }];
  }
  if (effect.type === "webhook" && (line.msg === "webhook.ok" || line.msg === "webhook.failed")) {
    return [
      {
        ...base,
        metric: line.msg === "webhook.ok" ? "sent" : "failed",
        ...(reason ? { reason } : {}),
        unique: `${effect.key}:webhook`,
      },
    ];
  }
  return [];
}
