// The field validators the site config schema (schema.ts) and its triggers (trigger-schema.ts)
// share: durations, clock times, event, template and variable names, origins and URLs, Liquid
// subjects and quiet hours, each with the message `nudge validate` prints. Pure (zod, liquidjs).
import { z } from "zod";
import { Liquid } from "liquidjs";
import { CLOCK_RE, DURATION_RE, parseClock, parseDuration } from "./duration.ts";
import { EVENT_NAME, TEMPLATE_NAME, VAR_NAME } from "../lib/ids.ts";

export function parseUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** "30m" in the document, milliseconds after parsing. */
export const duration = z
  .string()
  .regex(DURATION_RE, {
    error: (iss) => `${JSON.stringify(iss.input)} is not a duration like 30m, 1h, 2d`,
  })
  .transform((s) => parseDuration(s) ?? 0)
  .meta({ description: "A duration: a whole number and a unit s, m, h, d or w, e.g. 30m, 1h, 2d" });

export const clock = z.string().regex(CLOCK_RE, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a 24-hour time like 09:00 or 21:30`,
});

export const eventName = z.string().regex(EVENT_NAME, {
  error: (iss) => `${JSON.stringify(iss.input)} is not an event name like cart or signup_done`,
});

export const origin = z.string().refine(
  (o) => {
    const u = parseUrl(o);
    return u !== null && (u.protocol === "https:" || u.protocol === "http:") && u.origin === o;
  },
  {
    error: (iss) =>
      `${JSON.stringify(iss.input)} is not an origin like https://shop.example.com (scheme and host, no path or trailing slash)`,
  },
);

export const templateName = z.string().regex(TEMPLATE_NAME, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not a template name (lowercase letters, digits, - and _)`,
});

export const liquid = new Liquid();
/** Why a string does not parse as a Liquid template, or null when it does (rendering can still
 * fail on data). */
export function liquidProblem(source: string): string | null {
  try {
    liquid.parse(source);
    return null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "invalid";
  }
}
export const isLiquid = (source: string) => liquidProblem(source) === null;

export const subject = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .max(200, { error: "is longer than 200 characters" })
  .superRefine((v, ctx) => {
    const problem = liquidProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: `is not valid Liquid: ${problem}` });
  });

export const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => /^https?:$/.test(parseUrl(u)?.protocol ?? ""), {
    error: (iss) => `${JSON.stringify(iss.input)} is not an http(s) URL`,
  });

export const QuietHoursSchema = z
  .strictObject({ start: clock, end: clock })
  .refine((q) => q.start !== q.end, { error: "start and end must differ" })
  .transform((q) => ({ start: parseClock(q.start) ?? 0, end: parseClock(q.end) ?? 0 }))
  .meta({ description: "Local times (visitor time zone) during which no email is sent" });

export const webhookUrl = z.string().refine((u) => parseUrl(u)?.protocol === "https:", {
  error: (iss) => `${JSON.stringify(iss.input)} is not an https:// URL`,
});

export const VARS_MAX = 50;
export const VAR_VALUE_MAX = 500;

/** Free text values templates read as `vars.NAME` (an offer's percentage, terms, a fixed code). */
export const vars = (where: string) =>
  z
    .record(
      z.string().regex(VAR_NAME, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a variable name like discount_code (lowercase letters, digits and _, at most 32)`,
      }),
      z.string().max(VAR_VALUE_MAX, { error: `is longer than ${VAR_VALUE_MAX} characters` }),
    )
    .refine((r) => Object.keys(r).length <= VARS_MAX, {
      error: `has more than ${VARS_MAX} variables`,
    })
    .optional()
    .meta({
      description: `Variables templates read as {{ vars.NAME }} (strings of at most ${VAR_VALUE_MAX} characters, at most ${VARS_MAX}); ${where}`,
    });

/** A message for a union that failed as a whole; undefined keeps zod's per-branch issues. */
export const unionError = (msg: string) => (iss: { code?: string; input?: unknown }) =>
  iss.code === "invalid_union" && (typeof iss.input !== "object" || iss.input === null)
    ? `${JSON.stringify(iss.input)} ${msg}`
    : undefined;
