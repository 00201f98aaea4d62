// Turns zod issues on a site config into operator-readable lines: `path: problem`.
// Pure; called by parseSiteConfig (worker/config/schema.ts) for the CLI and the worker logs.
import type { z } from "zod";

type Issue = z.core.$ZodIssue;
type Key = PropertyKey;

/** `["triggers", 2, "steps", 0, "wait"]` → `triggers[2].steps[0].wait`. */
export function formatPath(path: readonly Key[]): string {
  let out = "";
  for (const k of path) {
    if (typeof k === "number") out += `[${k}]`;
    else if (typeof k === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k))
      out += out === "" ? k : `.${k}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out === "" ? "config" : out;
}

function valueAt(root: unknown, path: readonly Key[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<Key, unknown>)[k];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

const ARTICLE: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
};

/** Picks the union branch the author most likely meant: the one that got furthest. */
function bestBranch(branches: Issue[][], value: unknown): Issue[] | undefined {
  const score = (b: Issue[]) =>
    b.reduce(
      (s, i) =>
        s +
        (i.path.length > 0 ? 4 : 0) +
        (i.code === "invalid_type" || i.code === "invalid_value" ? 0 : 2),
      0,
    ) / Math.max(1, b.length);
  const wantObject = value !== null && typeof value === "object";
  const ranked = branches
    .filter((b) => b.length > 0)
    .map((b) => ({
      b,
      s:
        score(b) +
        (wantObject && b.some((i) => i.path.length > 0 || i.code === "unrecognized_keys") ? 8 : 0),
    }))
    .sort((x, y) => y.s - x.s);
  const top = ranked[0];
  return top && top.s > 0 ? top.b : undefined;
}

function lines(issue: Issue, prefix: readonly Key[], root: unknown): string[] {
  const path = [...prefix, ...issue.path];
  const at = formatPath(path);
  const value = valueAt(root, path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return [`${at}: is required`];
      return [
        `${at}: expected ${ARTICLE[issue.expected] ?? issue.expected}, got ${describe(value)}`,
      ];
    case "unrecognized_keys":
      return issue.keys.map(
        (k) => `${formatPath([...path, k])}: unknown field (check the spelling)`,
      );
    case "invalid_key":
    case "invalid_element":
      return issue.issues.flatMap((i) => lines(i, [], root).map((l) => l.replace(/^config/, at)));
    case "invalid_union": {
      if (issue.message !== "Invalid input") return [`${at}: ${issue.message}`];
      const branch = bestBranch(issue.errors, value);
      if (branch) return branch.flatMap((i) => lines(i, path, root));
      return [`${at}: ${describe(value)} is not allowed here`];
    }
    case "invalid_value":
      return [
        `${at}: must be ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}, got ${describe(value)}`,
      ];
    case "too_small":
      if (!issue.message.startsWith("Too small")) return [`${at}: ${issue.message}`];
      if (issue.origin === "array") return [`${at}: needs at least ${issue.minimum} item(s)`];
      if (issue.origin === "number")
        return [`${at}: must be at least ${issue.minimum}, got ${describe(value)}`];
      return [`${at}: ${issue.message}`];
    case "too_big":
      if (!issue.message.startsWith("Too big")) return [`${at}: ${issue.message}`];
      if (issue.origin === "array") return [`${at}: has more than ${issue.maximum} items`];
      if (issue.origin === "number")
        return [`${at}: must be at most ${issue.maximum}, got ${describe(value)}`];
      return [`${at}: ${issue.message}`];
    default:
      return [`${at}: ${issue.message}`];
  }
}

/** One line per problem, in document order, without duplicates. */
export function formatIssues(issues: readonly Issue[], root: unknown): string[] {
  return [...new Set(issues.flatMap((i) => lines(i, [], root)))];
}
