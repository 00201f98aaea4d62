// Where ingest time goes: POST /_dev/ingest-stage (worker/routes/dev.ts, test and development
// only) runs the same stage functions as POST /e and answers right after one of them. One
// request at a time, stages interleaved round by round (so the machine's load drifts over all of
// them alike), fresh visitor ids per round: every `hop` and `full` reaches a new Visitor object
// of its own, as a new shopper's batch does (`hopLive` then calls the object `full` just made, and
// `hopWriteLive` makes the same call write one row, the durable write any stored batch needs, and
// `fullLive` sends it a second batch of new events, as a shopper's next page does: a product
// view, which enters an episode, so it also sets an alarm and calls a Stats shard; `pageLive`
// a third, of page views only, which decides nothing: the state row alone). Each request
// starts on a settled runtime: a short pause first lets the work an earlier answer left running
// (the Stats call a batch's answer does not wait for) finish, so it is not charged to whatever
// request comes next on the one local thread. Bounded in count and time; loopback only.
import { percentile } from "./load.ts";

/** Stages in the order /e runs them; `empty` is GET /_ping, `hop` a no-op call to the Visitor. */
export const STAGES = [
  "empty",
  "read",
  "parse",
  "config",
  "limits",
  "full",
  "hop",
  "hopLive",
  "hopWriteLive",
  "fullLive",
  "pageLive",
] as const;
type Stage = (typeof STAGES)[number];

/** The stop of POST /_dev/ingest-stage each stage asks for (the live stages reuse the stops of
 * the new ones; `empty` is GET /_ping instead). */
const STOP: Record<Exclude<Stage, "empty">, string> = {
  read: "read",
  parse: "parse",
  config: "config",
  limits: "limits",
  full: "full",
  hop: "hop",
  hopLive: "hop",
  hopWriteLive: "hopWrite",
  fullLive: "full",
  pageLive: "full",
};

/** The batch each live `full` stage sends (the others: the first batch of a new visitor). */
const KIND: Partial<Record<Stage, "next" | "pages">> = { fullLive: "next", pageLive: "pages" };

export interface StageFigures {
  p50Ms: number;
  p90Ms: number;
}

export interface IngestBreakdown {
  samplesPerStage: number;
  /** Pause before each timed request (ms): the runtime is settled when it starts. */
  settleMs: number;
  /** Serial latency per stage, each including every stage before it (hop: the empty route + the
   * call to the Visitor object, nothing else). */
  stages: Record<Stage, StageFigures>;
  /** p50 increments between consecutive stages: what each stage adds. */
  addedP50Ms: {
    read: number;
    parse: number;
    config: number;
    limits: number;
    /** From limits to full: events (user_hash, email link), the Visitor's ingest (storage write,
     * alarm, Stats calls), the answer. */
    visitor: number;
    /** The bare call to a new Visitor object, above the empty route. */
    hop: number;
    /** The same to an object already in memory (the one `full` just wrote to). */
    hopLive: number;
    /** That call writing one row (and waiting until it is stored), above the empty route. */
    hopWriteLive: number;
    /** A second batch to that live object, above the empty route. */
    fullLive: number;
    /** A third, of page views only (no episode, alarm or Stats call), above the empty route. */
    pageLive: number;
  };
  /** empty p50 ÷ full p50 (1.0 = ingest costs no more than an empty route). */
  emptyOverFull: number;
  /** full p50 ÷ hop p50: how far /e is above the floor of a request that calls the object. */
  fullOverFloor: number;
  /** The same for a visitor's next batch: fullLive p50 ÷ hopLive p50. */
  fullLiveOverFloor: number;
  /** A next batch against the floor of any stored batch (the live call plus one row written):
   * fullLive p50 ÷ hopWriteLive p50. */
  fullLiveOverWriteFloor: number;
  /** The same for a batch of page views only: pageLive p50 ÷ hopWriteLive p50. */
  pageLiveOverWriteFloor: number;
}

export async function benchIngestStages(opts: {
  worker: string;
  origin: string;
  site: string;
  /** A batch body for visitor `vid`: `first`, the ingest bench's serial batch; `next`, the same
   * size with other event ids; `pages`, as many page views, with ids of their own. */
  body: (vid: string, kind: "first" | "next" | "pages") => string;
  samples?: number;
  maxMs?: number;
  /** Pause before each timed request, ms (0: back to back). */
  settleMs?: number;
}): Promise<IngestBreakdown> {
  const { worker, origin, site, body } = opts;
  const samples = opts.samples ?? 200;
  const settleMs = opts.settleMs ?? 10;
  const maxMs = opts.maxMs ?? 120_000;
  const request = (stage: Stage, vid: string): Promise<Response> => {
    if (stage === "empty") return fetch(`${worker}/_ping`);
    const stop = STOP[stage];
    const hop = stop === "hop" || stop === "hopWrite";
    const query = hop ? `stop=${stop}&site=${site}&vid=${vid}` : `stop=${stop}`;
    return fetch(`${worker}/_dev/ingest-stage?${query}`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin },
      body: hop ? "" : body(vid, KIND[stage] ?? "first"),
    });
  };
  const expected = (stage: Stage) =>
    STOP[stage as Exclude<Stage, "empty">] === "full" ? 202 : 200;
  const times = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<
    Stage,
    number[]
  >;
  const vid = (tag: string, i: number) =>
    `stage${tag}${String(i).padStart(6, "0")}${"x".repeat(8)}`;

  // Warm-up (not counted): the isolate, the config cache, the object class.
  for (let i = 0; i < 10; i++)
    for (const stage of STAGES)
      await (await request(stage, vid(stage === "hop" ? "warmhop" : "warm", i))).arrayBuffer();

  const start = performance.now();
  for (let i = 0; i < samples && performance.now() - start < maxMs; i++) {
    const v = vid("run", i);
    for (const stage of STAGES) {
      if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
      const t = performance.now();
      const res = await request(stage, stage === "hop" ? vid("hop", i) : v);
      await res.arrayBuffer();
      const ms = performance.now() - t;
      if (res.status !== expected(stage))
        throw new Error(`ingest stage ${stage} answered ${res.status}, not ${expected(stage)}`);
      times[stage].push(ms);
    }
  }

  const stages = {} as Record<Stage, StageFigures>;
  for (const s of STAGES) {
    const sorted = times[s].sort((a, b) => a - b);
    stages[s] = { p50Ms: round(percentile(sorted, 50)), p90Ms: round(percentile(sorted, 90)) };
  }
  const p50 = (s: Stage) => stages[s].p50Ms;
  return {
    samplesPerStage: times.full.length,
    settleMs,
    stages,
    addedP50Ms: {
      read: round(p50("read") - p50("empty")),
      parse: round(p50("parse") - p50("read")),
      config: round(p50("config") - p50("parse")),
      limits: round(p50("limits") - p50("config")),
      visitor: round(p50("full") - p50("limits")),
      hop: round(p50("hop") - p50("empty")),
      hopLive: round(p50("hopLive") - p50("empty")),
      hopWriteLive: round(p50("hopWriteLive") - p50("empty")),
      fullLive: round(p50("fullLive") - p50("empty")),
      pageLive: round(p50("pageLive") - p50("empty")),
    },
    emptyOverFull: round(p50("empty") / p50("full"), 3),
    fullOverFloor: round(p50("full") / p50("hop"), 3),
    fullLiveOverFloor: round(p50("fullLive") / p50("hopLive"), 3),
    fullLiveOverWriteFloor: round(p50("fullLive") / p50("hopWriteLive"), 3),
    pageLiveOverWriteFloor: round(p50("pageLive") / p50("hopWriteLive"), 3),
  };
}

/** The breakdown as a table, for the bench's output. */
export function breakdownTable(b: IngestBreakdown): string {
  const label: Record<Stage, string> = {
    empty: "empty route (GET /_ping)",
    read: "+ read body",
    parse: "+ JSON parse, zod",
    config: "+ site config, origin",
    limits: "+ rate limits",
    full: "+ Visitor ingest = full /e",
    hop: "hop alone (no-op, new object)",
    hopLive: "hop alone (no-op, live object)",
    hopWriteLive: "hop + one row written (live)",
    fullLive: "full /e, next batch (live)",
    pageLive: "full /e, page views only (live)",
  };
  const added: Record<Stage, number | null> = {
    empty: null,
    read: b.addedP50Ms.read,
    parse: b.addedP50Ms.parse,
    config: b.addedP50Ms.config,
    limits: b.addedP50Ms.limits,
    full: b.addedP50Ms.visitor,
    hop: b.addedP50Ms.hop,
    hopLive: b.addedP50Ms.hopLive,
    hopWriteLive: b.addedP50Ms.hopWriteLive,
    fullLive: b.addedP50Ms.fullLive,
    pageLive: b.addedP50Ms.pageLive,
  };
  const rows = STAGES.map(
    (s) =>
      `${label[s].padEnd(31)}  ${fmt(b.stages[s].p50Ms)}  ${fmt(b.stages[s].p90Ms)}  ${
        added[s] === null ? "" : fmt(added[s]!)
      }`,
  );
  return [
    `ingest breakdown, serial, ${b.samplesPerStage} requests per stage, ${b.settleMs} ms settle before each (ms)`,
    `${"stage".padEnd(31)}  ${"p50".padStart(6)}  ${"p90".padStart(6)}  ${"added p50".padStart(6)}`,
    ...rows,
    `full vs empty (empty p50 / full p50): ${b.emptyOverFull}`,
    `full vs floor (full p50 / hop p50, hop = empty + object call): ${b.fullOverFloor}`,
    `next batch vs floor (fullLive p50 / hopLive p50): ${b.fullLiveOverFloor}`,
    `next batch vs a stored batch's floor (fullLive p50 / hopWriteLive p50): ${b.fullLiveOverWriteFloor}`,
    `page views only vs that floor (pageLive p50 / hopWriteLive p50): ${b.pageLiveOverWriteFloor}`,
    "(hop rows and the next batch: added p50 is above the empty route)",
  ].join("\n");
}

const fmt = (n: number) => n.toFixed(1).padStart(6);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
