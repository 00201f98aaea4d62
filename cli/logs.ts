// `nudge logs`: the worker's JSON log lines out of a mixed stream (`npm start`'s output and its
// .nudge-local/nudge.log, `wrangler dev`, `wrangler tail --format pretty`), one per line and
// unchanged, optionally filtered, ready for jq. Pure line selection (`logLineOf`, `matches`) plus
// the reading shell (stdin, a file, or a file followed as it grows). Called by main.ts.
import { createReadStream, type ReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { UsageError, type Io } from "./args.ts";

/** Terminal colour and cursor codes wrangler puts around its own lines. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
/** `wrangler tail --format pretty` prints a worker's console.log as `  (log) <message>`. */
const TAIL_PREFIX = /^\((?:log|info|debug|warn|error)\)\s+/;

/**
 * The JSON text of a Nudge log line, or null for anything else (wrangler's request lines,
 * banners, warnings, stack traces, a JSON value that is not a log entry). A log entry is a JSON
 * object with string `at` and `msg`; the text is returned as the worker printed it.
 */
export function logLineOf(raw: string): string | null {
  const line = raw.replace(ANSI, "").trim().replace(TAIL_PREFIX, "");
  if (!line.startsWith("{") || !line.endsWith("}")) return null;
  try {
    const v: unknown = JSON.parse(line);
    if (!v || typeof v !== "object" || Array.isArray(v)) return null;
    const { at, msg } = v as { at?: unknown; msg?: unknown };
    return typeof at === "string" && typeof msg === "string" ? line : null;
  } catch {
    return null;
  }
}

/** Which log lines to keep: each given field must match one of its values. */
export interface LogFilter {
  msg?: string[];
  site?: string[];
  trigger?: string[];
  /** With `vid`: a line naming this contact or this visitor (the same person, either id). */
  contact?: string[];
  vid?: string[];
}

/** Whether the log line (from logLineOf) passes the filter. */
export function matches(line: string, filter: LogFilter): boolean {
  const entry = JSON.parse(line) as Record<string, unknown>;
  const oneOf = (values: string[] | undefined, v: unknown) =>
    values === undefined || (typeof v === "string" && values.includes(v));
  if (!oneOf(filter.msg, entry.msg)) return false;
  if (!oneOf(filter.site, entry.site)) return false;
  if (!oneOf(filter.trigger, entry.trigger)) return false;
  if (filter.contact === undefined && filter.vid === undefined) return true;
  return (
    (filter.contact !== undefined && oneOf(filter.contact, entry.contact)) ||
    (filter.vid !== undefined && oneOf(filter.vid, entry.vid))
  );
}

const FILTERS = ["msg", "site", "trigger", "contact", "vid"] as const;

export interface LogsArgs {
  filter: LogFilter;
  /** A file to read; undefined (or "-") is stdin. */
  file?: string;
  /** Keep reading the file as it grows, until stopped. */
  follow: boolean;
}

/**
 * `[FILE | --follow FILE] [--msg M] [--site S] [--trigger T] [--contact HASH] [--vid VID]`.
 * A filter flag may repeat or take a comma-separated list; a value may not be empty.
 */
export function parseLogsArgs(args: string[]): LogsArgs {
  const filter: LogFilter = {};
  const files: string[] = [];
  let follow: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--") || a === "-") {
      files.push(a);
      continue;
    }
    const name = a.slice(2);
    const value = args[++i];
    if (name !== "follow" && !(FILTERS as readonly string[]).includes(name))
      throw new UsageError(`unknown option --${name}`);
    if (value === undefined || value.startsWith("--"))
      throw new UsageError(`--${name} needs a value`);
    if (name === "follow") {
      if (follow !== undefined) throw new UsageError("--follow takes one file");
      follow = value;
      continue;
    }
    const values = value.split(",").map((v) => v.trim());
    if (values.some((v) => v === "")) throw new UsageError(`--${name} has an empty value`);
    const key = name as (typeof FILTERS)[number];
    filter[key] = [...(filter[key] ?? []), ...values];
  }
  if (files.length > 1) throw new UsageError("one file at most (or stdin)");
  if (follow !== undefined && files.length)
    throw new UsageError("give FILE or --follow FILE, not both");
  if (follow === "-") throw new UsageError("--follow needs a file, not stdin");
  const file = follow ?? (files[0] === "-" ? undefined : files[0]);
  return { filter, file, follow: follow !== undefined };
}

export interface LogsDeps {
  stdin: NodeJS.ReadableStream;
  /** Stops --follow (and an unfinished read); default: never. */
  signal?: AbortSignal;
  /** How often --follow looks for new lines (ms). */
  pollMs?: number;
}

/** Prints the matching log lines of one input; returns how many were printed. */
async function select(
  input: NodeJS.ReadableStream,
  filter: LogFilter,
  io: Io,
  signal?: AbortSignal,
): Promise<number> {
  let printed = 0;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const stop = () => lines.close();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const raw of lines) {
      const line = logLineOf(raw);
      if (line !== null && matches(line, filter)) {
        io.out(line);
        printed++;
      }
    }
  } finally {
    signal?.removeEventListener("abort", stop);
  }
  return printed;
}

/**
 * Follows `file` like `tail -f` from its start: whole lines only (a line still being written
 * waits for its newline); a file that shrinks (truncated, or started afresh by `npm start`) is
 * read again from the top.
 */
async function follow(file: string, filter: LogFilter, io: Io, deps: LogsDeps): Promise<void> {
  let offset = 0;
  let rest = "";
  const pollMs = deps.pollMs ?? 250;
  while (!deps.signal?.aborted) {
    const size = (await stat(file)).size;
    if (size < offset) [offset, rest] = [0, ""];
    if (size > offset) {
      const handle = await open(file, "r");
      try {
        const buf = Buffer.alloc(size - offset);
        const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
        offset += bytesRead;
        const parts = (rest + buf.subarray(0, bytesRead).toString("utf8")).split("\n");
        rest = parts.pop() ?? "";
        for (const raw of parts) {
          const line = logLineOf(raw);
          if (line !== null && matches(line, filter)) io.out(line);
        }
      } finally {
        await handle.close();
      }
    }
    await sleep(pollMs, undefined, { signal: deps.signal }).catch(() => undefined);
  }
}

export async function runLogs(args: string[], io: Io, deps: LogsDeps): Promise<number> {
  let parsed: LogsArgs;
  try {
    parsed = parseLogsArgs(args);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`nudge logs: ${err.message}\nusage: ${LOGS_USAGE}`);
      return 2;
    }
    throw err;
  }
  const { filter, file } = parsed;
  if (file !== undefined) {
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
    } catch (err) {
      io.err(`nudge logs: cannot read ${file}: ${(err as Error).message}`);
      return 1;
    }
  }
  if (parsed.follow && file !== undefined) {
    await follow(file, filter, io, deps);
    return 0;
  }
  let input: ReadStream | NodeJS.ReadableStream = deps.stdin;
  if (file !== undefined) input = createReadStream(file);
  await select(input, filter, io, deps.signal);
  return 0;
}

export const LOGS_USAGE =
  "nudge logs [FILE | --follow FILE] [--msg M] [--site S] [--trigger T] [--contact HASH] [--vid VID]";
