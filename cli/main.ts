// CLI dispatch: parses the command line and hands each command to its module. Returns the exit
// code (0 ok, 1 failure, 2 usage) instead of exiting, so tests can call it directly.
import { createRequire } from "node:module";
import type { Io } from "./args.ts";
import { runPull, runPush, runValidate } from "./config.ts";

export const USAGE = `usage: nudge <command> [options]

  validate FILE                          check a site config; errors name the path and problem
  push FILE [--local] [--persist-to DIR] validate, then write site:<id> to KV through wrangler
  pull SITE [--local] [--persist-to DIR] print the stored config of SITE
  render TEMPLATE --data FILE [--out DIR] render a template to HTML and text for preview
  stats SITE [--from DAY] [--to DAY] [--url URL] [--token T] [--json]
                                         print funnels, lift and skip reasons per trigger
                                         (token: NUDGE_ADMIN_TOKEN; url: NUDGE_URL)
  send-event SITE --name NAME (--email E | --vid V) [--data JSON] [--id ID] [--at TIME]
                                         send one server event to POST /v1/events
                                         (key: NUDGE_SERVER_KEY; url: NUDGE_URL)
  key                                    print a new random NUDGE_SERVER_KEY and how to use it
  coupons push SITE POOL FILE [--dry-run] upload unique coupon codes to a pool (POST /v1/coupons)
                                         (key: NUDGE_SERVER_KEY; url: NUDGE_URL)

  nudge help COMMAND, nudge COMMAND --help   that command's options;  nudge --version
exit codes: 0 done, 1 failed (the message says why), 2 wrong usage`;

/** What `nudge help CMD` and `nudge CMD --help` print: the command's usage and its options. */
export const HELP: Record<string, string> = {
  validate: `usage: nudge validate FILE

Checks a site config with the worker's own schema. Errors (exit 1) name the JSON path and the
problem; a JSON syntax error names its line and column. Warnings (exit 0) name an event nothing
sends, a condition path never set and a template that is not bundled, with what was meant.`,
  push: `usage: nudge push FILE [--local] [--persist-to DIR]

Validates FILE, then writes it to KV as site:<id> through wrangler (your wrangler login).
  --local             the local KV of \`wrangler dev\` instead of the deployed namespace
  --persist-to DIR    with --local: wrangler's persistence folder (npm start uses .wrangler/state)`,
  pull: `usage: nudge pull SITE [--local] [--persist-to DIR]

Prints the config stored for SITE (JSON), from the deployed KV or, with --local, the local one.`,
  render: `usage: nudge render TEMPLATE --data FILE [--out DIR] [--subject TEXT] [--templates DIR]
                    [--base URL] [--transactional]

Renders a bundled template (or one from --templates DIR) with the context in FILE (as
templates/sample-data.json) to <out>/<TEMPLATE>.html and .txt (default out: .nudge-local/render).
  --subject TEXT      the subject's Liquid (default: the data file's, for that template)
  --base URL          the worker origin its links point at (default http://127.0.0.1:8787)
  --transactional     render as non-marketing mail (no unsubscribe footer)`,
  stats: `usage: nudge stats SITE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--url URL] [--token TOKEN] [--json]

Prints each trigger's funnel, holdout lift with its interval, unverified claims and skip reasons.
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)
  --token TOKEN       the admin token (default: NUDGE_ADMIN_TOKEN)
  --json              the report as JSON`,
  "send-event": `usage: nudge send-event SITE --name NAME (--email EMAIL | --vid VID) [--data JSON] [--id ID]
                        [--at ISO-TIME] [--url URL] [--key KEY]

Sends one server event to POST /v1/events (docs/server-events.md lists the names and data).
  --key KEY           the server key (default: NUDGE_SERVER_KEY)
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)`,
  key: `usage: nudge key

Prints a new random NUDGE_SERVER_KEY and how to install it.`,
  coupons: `usage: nudge coupons push SITE POOL FILE [--url URL] [--key KEY] [--dry-run]

Uploads unique coupon codes to POOL (templates read one as {{ coupon.POOL }}; docs/offers.md).
FILE holds one code a line (blank lines and # comments skipped), or is a CSV whose header's first
column is code. Every line is checked first: a bad code or one repeated in the file is an error
naming its lines, and nothing is sent. Codes go in batches of 1,000; pushing again is safe (codes
the pool has are counted, not added twice).
  --key KEY           the server key (default: NUDGE_SERVER_KEY)
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)
  --dry-run           check FILE and send nothing`,
};

const stdio: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

/** This package's version (package.json). */
export function version(): string {
  return (createRequire(import.meta.url)("../package.json") as { version: string }).version;
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v") {
    io.out(version());
    return 0;
  }
  if (
    command !== undefined &&
    command in HELP &&
    (rest.includes("--help") || rest.includes("-h"))
  ) {
    io.out(HELP[command]!);
    return 0;
  }
  if (command === "help" && rest[0] !== undefined) {
    const help = HELP[rest[0]];
    if (help) io.out(help);
    else io.err(`nudge help: unknown command "${rest[0]}"\n${USAGE}`);
    return help ? 0 : 2;
  }
  try {
    switch (command) {
      case "validate":
        return await runValidate(rest, io);
      case "push":
        return await runPush(rest, io);
      case "pull":
        return await runPull(rest, io);
      case "render": {
        const { runRender } = await import("./render.ts");
        return await runRender(rest, io);
      }
      case "stats": {
        const { runStats } = await import("./stats.ts");
        return await runStats(rest, io);
      }
      case "send-event": {
        const { runSendEvent } = await import("./send-event.ts");
        return await runSendEvent(rest, io);
      }
      case "coupons": {
        const { runCoupons } = await import("./coupons.ts");
        return await runCoupons(rest, io);
      }
      case "key": {
        const { runKey } = await import("./send-event.ts");
        return runKey(rest, io);
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`nudge: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    io.err(`nudge ${command}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
