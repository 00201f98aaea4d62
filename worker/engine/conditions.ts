// Evaluates config `if` conditions (worker/config/condition.ts) against a plain object: the
// engine's view of the event and the visitor (worker/engine/context.ts). Pure.
import type { Condition, Operators } from "../config/condition.ts";

type Scalar = string | number | boolean | null;

/** Reads a dotted path; arrays accept numeric indexes and `length`. Missing → undefined. */
export function getPath(root: unknown, path: string): unknown {
  let v: unknown = root;
  for (const k of path.split(".")) {
    if (v === null || v === undefined) return undefined;
    if (Array.isArray(v))
      v = k === "length" ? v.length : /^\d+$/.test(k) ? v[Number(k)] : undefined;
    else if (typeof v === "string") v = k === "length" ? v.length : undefined;
    else if (typeof v === "object")
      v = Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined;
    else return undefined;
  }
  return v;
}

const norm = (v: unknown): unknown => (v === undefined ? null : v);

function compare(v: unknown, want: number | string, ok: (c: number) => boolean): boolean {
  if (typeof v === "number" && typeof want === "number") return ok(v - want);
  if (typeof v === "string" && typeof want === "string")
    return ok(v < want ? -1 : v > want ? 1 : 0);
  return false;
}

function contains(v: unknown, want: Scalar): boolean {
  if (typeof v === "string") return typeof want === "string" && v.includes(want);
  if (!Array.isArray(v)) return false;
  return v.some(
    (x) =>
      x === want ||
      (x !== null && typeof x === "object" && (x as Record<string, unknown>).id === want),
  );
}

/** True when `v` satisfies every operator given. */
export function matchOperators(v: unknown, ops: Operators): boolean {
  if (ops.exists !== undefined && (v !== undefined && v !== null) !== ops.exists) return false;
  if (ops.eq !== undefined && norm(v) !== ops.eq) return false;
  if (ops.ne !== undefined && norm(v) === ops.ne) return false;
  if (ops.gt !== undefined && !compare(v, ops.gt, (c) => c > 0)) return false;
  if (ops.gte !== undefined && !compare(v, ops.gte, (c) => c >= 0)) return false;
  if (ops.lt !== undefined && !compare(v, ops.lt, (c) => c < 0)) return false;
  if (ops.lte !== undefined && !compare(v, ops.lte, (c) => c <= 0)) return false;
  if (ops.in !== undefined && !ops.in.includes(norm(v) as Scalar)) return false;
  if (ops.contains !== undefined && !contains(v, ops.contains)) return false;
  return true;
}

/** Every path must match (AND). An absent condition is true. */
export function evaluate(cond: Condition | undefined, env: unknown): boolean {
  if (cond === undefined) return true;
  for (const [path, test] of Object.entries(cond)) {
    const v = getPath(env, path);
    const ok =
      test !== null && typeof test === "object" ? matchOperators(v, test) : norm(v) === test;
    if (!ok) return false;
  }
  return true;
}
