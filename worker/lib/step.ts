// Step numbers as people and outside tools see them. Inside Nudge a step is its 0-based index
// in the trigger's `steps` (idempotency keys `site.trigger.episode.step`, stats rows, Resend
// tags, token payloads); everything shown or handed out (log lines, the stats API, the dashboard,
// `nudge stats`, the timeline, webhook step payloads) counts from 1, like `nudge render --step`.
// Convert at that boundary with these, never with a scattered `+ 1`.

/** The 1-based step number of a 0-based step index. */
export function humanStep(index: number): number {
  return index + 1;
}

/** humanStep for an optional index (null/undefined: no step). */
export function humanStepOrNull(index: number | null | undefined): number | null {
  return index === null || index === undefined ? null : humanStep(index);
}
