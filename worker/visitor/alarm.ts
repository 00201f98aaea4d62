// The Visitor's one rule for its alarm, pure: shared by the object (visitor.ts `schedule`) and
// the bench's lifecycle model, which counts the alarm writes it causes.

/**
 * Whether the alarm already set (`set`, null: none) serves a wake-up needed at `at`: one set at
 * or before it is kept (it fires, finds nothing due and schedules again), since each setAlarm is
 * billed as a row written. One already past is the run going on now: never relied on.
 */
export function keepsAlarm(set: number | null, at: number, now: number): boolean {
  return set !== null && set > now && set <= at;
}
