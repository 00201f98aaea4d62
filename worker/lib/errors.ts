// Expected HTTP failures: a JSON body `{ error, issues? }` or `{ error, message }` (or, for pages
// people see, an HTML page or an image) with a 4xx status. Thrown by route handlers; the app's single onError passes them
// through (anything else becomes a logged 500).
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface Issue {
  path: string;
  message: string;
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

export function httpError(
  status: ContentfulStatusCode,
  error: string,
  issues?: Issue[],
  headers?: Record<string, string>,
): HTTPException {
  const body = JSON.stringify(issues ? { error, issues } : { error });
  return httpErrorWith(status, body, { ...JSON_TYPE, ...headers });
}

/** A JSON failure with a sentence telling the caller what to do instead: `{ error, message }`. */
export function httpErrorMessage(
  status: ContentfulStatusCode,
  error: string,
  message: string,
): HTTPException {
  return httpErrorWith(status, JSON.stringify({ error, message }), JSON_TYPE);
}

/** An expected failure whose body is a page or an image (links people open from email). */
export function httpErrorWith(
  status: ContentfulStatusCode,
  body: BodyInit,
  headers: Record<string, string>,
): HTTPException {
  return new HTTPException(status, { res: new Response(body, { status, headers }) });
}

/** zod issues → `{ path: "events[0].data.price", message }` for operators and developers. */
export function zodIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Issue[] {
  return issues.slice(0, 20).map((i) => ({
    path: i.path
      .map((p, n) => (typeof p === "number" ? `[${p}]` : `${n ? "." : ""}${String(p)}`))
      .join(""),
    message: i.message,
  }));
}

/** A thrown value as a short message for logs and retry reasons. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
