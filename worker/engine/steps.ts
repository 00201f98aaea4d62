// Firing an episode's due step: quiet hours, step `if`, consent, email, holdout, variants and
// webhooks. Every fired step ends in exactly one send or webhook effect or one `skipped` fact
// (or is held for an email or its confirmation, then sent or skipped). Called by the scheduler (schedule.ts) and triggers.ts.
import { DAY } from "../config/duration.ts";
import type { Step, Trigger } from "../config/schema.ts";
import { evaluate } from "./conditions.ts";
import { envOf, templateContext } from "./context.ts";
import { CONFIRM_TEMPLATE, CONFIRM_TRIGGER, stepKey } from "./effects.ts";
import type { SkipReason } from "./facts.ts";
import { hash32 } from "../lib/hash.ts";
import { dropEpisode, putEpisode, record, setMemory } from "./run.ts";
import type { Run } from "./run.ts";
import type { Episode, HoldReason } from "./state.ts";
import { quietHoursEnd } from "./time.ts";

/** A held step waits at most this long for an email when it is the last step. */
export const HOLD_LAST_STEP = DAY;

function ref(run: Run, t: Trigger, ep: Episode, step: number, due: number, variant: number | null) {
  return {
    key: stepKey(run.config.site, t.id, ep.id, step),
    trigger: t.id,
    episode: ep.id,
    step,
    due,
    variant,
    holdout: ep.holdout,
  };
}

/** The step is decided without a send: recorded now, nothing queued. */
export function skip(
  run: Run,
  t: { id: string },
  ep: Episode,
  step: number,
  reason: SkipReason,
): void {
  const key = stepKey(run.config.site, t.id, ep.id, step);
  const { holdout } = ep;
  record(run, {
    type: "skipped",
    key,
    trigger: t.id,
    episode: ep.id,
    step,
    variant: null,
    holdout,
    reason,
    engine: true,
  });
}

function consentOk(run: Run, t: Trigger): boolean {
  if (!t.marketing) return true;
  const c = run.profile.consent.marketing;
  if (c === false) return false;
  return !run.config.requireConsent || c === true;
}

/**
 * Variant index: stable per (contact email, else visitor) and trigger, so a person sees the same
 * variant on every device and every re-entry; people split by the variants' weights (default 1
 * each; with equal weights this is `hash % n`, as before weights existed).
 */
export function variantOf(run: Run, t: Trigger, s: Step): number | null {
  if (!s.variants) return null;
  const who = run.profile.email ?? run.profile.vid;
  const weights = s.variants.map((v) => v.weight ?? 1);
  let bucket = hash32(`${who}|${t.id}`) % weights.reduce((a, b) => a + b, 0);
  for (const [i, w] of weights.entries()) {
    if (bucket < w) return i;
    bucket -= w;
  }
  return weights.length - 1;
}

/** Why an email cannot go out yet, or null when it can: no address, or (double opt-in) an
 * address the Contact object has not vouched for. */
function waitingFor(run: Run): HoldReason | null {
  if (run.profile.email === null) return "no_email";
  if (run.config.optIn === "double" && run.profile.verified !== true) return "unconfirmed";
  return null;
}

/**
 * Double opt-in: asks the Contact object for one confirmation email for the visitor's address,
 * at most once per 24 h per visitor (the Contact object also keeps it to once per 24 h per
 * address, across devices). An ordinary keyed send, so it is paced, retried and counted against
 * the daily ceiling like any other.
 */
function requestConfirmation(run: Run, ep: Episode, at: number): void {
  const email = run.profile.email;
  if (email === null) return;
  const last = run.profile.confirmRequested;
  if (last && last.email === email && at - last.at < DAY) return;
  run.profile = { ...run.profile, confirmRequested: { email, at } };
  const episode = `${ep.id.split("-")[0]}-${at.toString(36)}`;
  run.effects.push({
    type: "send",
    key: stepKey(run.config.site, CONFIRM_TRIGGER, episode, 0),
    trigger: CONFIRM_TRIGGER,
    episode,
    step: 0,
    due: at,
    variant: null,
    holdout: false,
    template: CONFIRM_TEMPLATE,
    subject: run.config.confirmSubject,
    frequencyCap: false,
    marketing: false,
    email,
    context: templateContext(run.config.site, run.profile, ep.snap),
  });
}

/** Emits the step's one outcome, or says what it is held for (no email, or not confirmed). */
function deliver(run: Run, t: Trigger, ep: Episode, i: number, due: number): "done" | HoldReason {
  const s = t.steps[i];
  if (!s) {
    skip(run, t, ep, i, "cancelled"); // the step left the config while held
    return "done";
  }
  if (!evaluate(s.if, envOf(run.profile, ep.snap))) {
    skip(run, t, ep, i, "condition");
    return "done";
  }
  const context = templateContext(run.config.site, run.profile, ep.snap);
  if (s.webhook !== undefined) {
    const r = ref(run, t, ep, i, due, null);
    const { variant: _variant, ...refFields } = r;
    const payload = { ...context, vid: run.profile.vid, ...refFields };
    run.effects.push({ type: "webhook", ...r, url: s.webhook, payload });
    return "done";
  }
  if (!consentOk(run, t)) {
    skip(run, t, ep, i, "no_consent");
    return "done";
  }
  const email = run.profile.email;
  const wait = waitingFor(run);
  if (wait === "unconfirmed") requestConfirmation(run, ep, due);
  if (email === null || wait !== null) return wait ?? "no_email";
  const variant = variantOf(run, t, s);
  const v = variant === null ? undefined : s.variants?.[variant];
  run.effects.push({
    type: "send",
    ...ref(run, t, ep, i, due, variant),
    template: v?.template ?? s.template ?? "",
    subject: v?.subject ?? s.subject ?? "",
    frequencyCap: t.frequencyCap && run.config.frequencyCap !== false,
    exempt: !t.frequencyCap,
    marketing: t.marketing,
    email,
    context,
  });
  return "done";
}

/** Saves the episode, or ends it when no step is left to fire or hold. */
function settle(run: Run, ep: Episode): void {
  if (ep.dueAt === null && ep.held === null) {
    dropEpisode(run, ep.trigger);
    record(run, { type: "completed", trigger: ep.trigger, episode: ep.id });
  } else putEpisode(run, ep);
}

/** Fires `ep.step`, due at `at` (unless quiet hours defer it). */
export function fireStep(run: Run, t: Trigger, ep: Episode, at: number): void {
  const s = t.steps[ep.step];
  if (!s) return settle(run, { ...ep, dueAt: null });
  const quiet = t.quietHours === false ? undefined : (t.quietHours ?? run.config.quietHours);
  if (s.webhook === undefined && quiet) {
    const end = quietHoursEnd(at, quiet, run.tz);
    if (end !== null) {
      putEpisode(run, { ...ep, dueAt: end });
      record(run, { type: "deferred", trigger: t.id, episode: ep.id, step: ep.step, until: end });
      return;
    }
  }
  if (ep.held) {
    // A restart can bring the next step forward past an unexpired hold: settle the hold first.
    skip(run, t, ep, ep.held.step, ep.held.reason ?? "no_email");
    ep = { ...ep, held: null };
  }
  record(run, { type: "due", trigger: t.id, episode: ep.id, step: ep.step, holdout: ep.holdout });
  if (ep.step === 0) setMemory(run, t.id, { lastEntry: ep.startedAt });
  const outcome = deliver(run, t, ep, ep.step, at);
  const next = t.steps[ep.step + 1];
  const dueAt = next ? at + next.wait : null;
  let held = ep.held;
  if (outcome !== "done") {
    held = { step: ep.step, due: at, until: dueAt ?? at + HOLD_LAST_STEP, reason: outcome };
    record(run, { type: "held", trigger: t.id, episode: ep.id, step: ep.step, reason: outcome });
  }
  settle(run, { ...ep, step: ep.step + 1, dueAt, held });
}

/** The hold ran out without an email (or a confirmation): the step is skipped. */
export function expireHeld(run: Run, t: Trigger, ep: Episode): void {
  if (!ep.held) return;
  skip(run, t, ep, ep.held.step, ep.held.reason ?? "no_email");
  settle(run, { ...ep, held: null });
}

/** The email became known (or confirmed) while a step was held: send it now (conditions
 * re-checked). */
export function releaseHeld(run: Run, t: Trigger, ep: Episode, now: number): void {
  if (!ep.held || waitingFor(run) !== null || ep.held.until <= now) return;
  deliver(run, t, ep, ep.held.step, ep.held.due);
  settle(run, { ...ep, held: null });
}

/** Ends an episode early; a held step is recorded as skipped so nothing disappears. */
export function cancelEpisode(run: Run, t: Trigger, ep: Episode, reason: string): void {
  if (ep.held) skip(run, t, ep, ep.held.step, "cancelled");
  dropEpisode(run, ep.trigger);
  record(run, { type: "cancelled", trigger: t.id, episode: ep.id, step: ep.step, reason });
}
