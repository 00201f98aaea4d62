// CLI dispatch: parses the command line and hands each command to its module. Returns the exit
// code (0 ok, 1 failure, 2 usage) instead of exiting, so tests can call it directly.
import { createRequire } from "node:module";
import type { Io } from "./args.ts";
import { runPull, runPush, runValidate } from "./config.ts";

export const USAGE = `usage: nudge <command> [options]

  init [--site ID --origin URL --from SENDER --address TEXT] [--name WORKER] [--public-url URL]
       [--dir DIR] [--yes] [--force]     first deploy: KV namespace, random secrets, a starter
                                         site config, the tag and webhooks to set up
  deploy [--dir DIR] [wrangler deploy options]
                                         make wrangler.deploy.toml from wrangler.toml, deploy it
  validate FILE [--templates DIR]        check a site config and render each step's template;
                                         errors name the path, file, line and problem
  push FILE [--templates DIR] [--local] [--persist-to DIR]
                                         validate, then write the templates in DIR and
                                         site:<id> to KV through wrangler
  pull SITE [--local] [--persist-to DIR] print the stored config of SITE
  render TEMPLATE --data FILE [--out DIR] render a template to HTML and text for preview
  render --config FILE --trigger ID [--step N] [--variant N]
                                         render what that step of a site config would send
  stats SITE [--from DAY] [--to DAY] [--url URL] [--token T] [--json]
                                         print funnels, lift and skip reasons per trigger
                                         (token: NUDGE_ADMIN_TOKEN; url: NUDGE_URL)
  timeline SITE (EMAIL|VID) [--url URL] [--token T] [--json] [--tz ZONE]
                                         why someone did or did not get an email: their
                                         events, steps, sends and skip reasons, in time order
  send-event SITE --name NAME (--email E | --vid V) [--data JSON] [--id ID] [--at TIME]
                                         send one server event to POST /v1/events
                                         (key: NUDGE_SERVER_KEY; url: NUDGE_URL)
  key                                    print a new random NUDGE_SERVER_KEY and how to use it
  catalog push SITE FILE [--batch N] [--dry-run] [--url URL] [--key KEY]
                                         check a product file (JSON, CSV, Merchant RSS) and
                                         send it to POST /v1/catalog in batches
  coupons push SITE POOL FILE [--dry-run] upload unique coupon codes to a pool (POST /v1/coupons)
                                         (key: NUDGE_SERVER_KEY; url: NUDGE_URL)
  logs [FILE | --follow FILE] [--msg M] [--site S] [--trigger T] [--contact HASH] [--vid VID]
                                         the worker's JSON log lines out of npm start's or
                                         wrangler's output (stdin by default), for jq

  nudge help COMMAND, nudge COMMAND --help   that command's options;  nudge --version
exit codes: 0 done, 1 failed (the message says why), 2 wrong usage`;

/** What `nudge help CMD` and `nudge CMD --help` print: the command's usage and its options. */
export const HELP: Record<string, string> = {
  init: `usage: nudge init [--site ID] [--origin URL]… [--from SENDER] [--address TEXT] [--name WORKER]
                  [--public-url URL] [--dir DIR] [--yes] [--force]

Sets up a deployment in the Cloudflare account wrangler is logged into (or CLOUDFLARE_API_TOKEN
and CLOUDFLARE_ACCOUNT_ID): creates the KV namespace <WORKER>-NUDGE_CONFIG (or finds it), stores
random NUDGE_SECRET, ADMIN_TOKEN and NUDGE_SERVER_KEY in the worker (printed once: store them),
puts a starter config for the site in KV, and prints the tag, the webhook URLs and what to do
next. Its ids go to .nudge/deploy.json and wrangler.deploy.toml (both untracked), never into
wrangler.toml. Running it again reuses the namespace and keeps the secrets and a stored config.
Missing values are asked for on a terminal; otherwise (or with --yes) they are a usage error.
  --site ID           the site id the tag names (data-site)
  --origin URL        the store's origin, https://shop.example (repeat, or comma-separate)
  --from SENDER       the sender, "Shop <hi@mail.shop.example>" (a domain verified in Resend)
  --address TEXT      the postal address every marketing email's footer shows
  --name WORKER       the worker's name (default nudge)
  --public-url URL    the worker's own domain, https://nudge.shop.example (sets PUBLIC_URL)
  --dir DIR           the Nudge project folder (default: the current one)
  --yes               ask nothing
  --force             replace a site config already stored with the starter config
exit codes: 0 set up, 1 a wrangler step failed (the message says which; run again to resume),
2 wrong usage or an invalid value (nothing changed)`,
  deploy: `usage: nudge deploy [--dir DIR] [wrangler deploy options, e.g. --dry-run --outdir DIR]

Writes wrangler.deploy.toml from the tracked wrangler.toml and .nudge/deploy.json (the worker's
name, the KV namespace id, PUBLIC_URL), then runs wrangler deploy --config wrangler.deploy.toml
with the options given. Upgrading is git pull, npm ci, npx nudge deploy.
exit codes: 0 deployed, 1 no deployment recorded (run nudge init) or wrangler failed, 2 usage`,
  validate: `usage: nudge validate FILE [--templates DIR]

Checks a site config with the worker's own schema, then renders every email step (and variant)
over the sample data with the site's brand and vars, as the worker would. Errors (exit 1) name
the JSON path and the problem; a JSON syntax error names its line and column; Liquid that does
not compile, a partial that does not exist or a filter that fails names the step, the template
file and its line and column. Warnings (exit 0) name an event nothing sends, a condition path
never set and a template that is not bundled, with what was meant.
  --templates DIR     the site's own templates: NAME.html.liquid (and optionally NAME.txt.liquid)
                      for each template a step names that is not bundled, or to replace a
                      bundled one for this site; a step's template missing from both is an error`,
  push: `usage: nudge push FILE [--templates DIR] [--local] [--persist-to DIR]

Validates FILE (and the templates in DIR, as validate does), then writes each template in DIR to
KV as template:<site>:NAME and FILE as site:<id> through wrangler (your wrangler login), in the
namespace nudge init recorded (.nudge/deploy.json), else the one wrangler.toml names. Nothing is
written when anything is wrong; templates go first, so a config never names a missing template.
  --templates DIR     the site's own templates (see nudge help validate)
  --local             the local KV of \`wrangler dev\` instead of the deployed namespace
  --persist-to DIR    with --local: wrangler's persistence folder (npm start uses .wrangler/state)`,
  pull: `usage: nudge pull SITE [--local] [--persist-to DIR]

Prints the config stored for SITE (JSON), from the deployed KV or, with --local, the local one.`,
  render: `usage: nudge render TEMPLATE --data FILE [--out DIR] [--subject TEXT] [--templates DIR]
                    [--base URL] [--transactional]
       nudge render --config FILE --trigger ID [--step N] [--variant N] [--data FILE] [--out DIR]
                    [--templates DIR] [--base URL]

Renders a bundled template (or one from --templates DIR) with the context in FILE (as
templates/sample-data.json) to <out>/<TEMPLATE>.html and .txt (default out: .nudge-local/render).
With --config, renders exactly what step N (from 1, default 1) of trigger ID would send: its
template and subject (or variant N's, from 1), the trigger's marketing flag, the site's brand,
links and vars, and a PREVIEW-<POOL> code for each coupon pool it reads, over the sample data
(or --data FILE). Sample images load from templates/samples/ so the preview works offline.
  --subject TEXT      the subject's Liquid (default: the data file's, for that template)
  --base URL          the worker origin its links point at (default http://127.0.0.1:8787)
  --transactional     render as non-marketing mail (no unsubscribe footer)
exit codes: 0 rendered, 1 the template, config or step is wrong (the message says which), 2 usage`,

  stats: `usage: nudge stats SITE [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--url URL] [--token TOKEN] [--json]

Prints each trigger's funnel, holdout lift with its interval, unverified claims and skip reasons.
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)
  --token TOKEN       the admin token (default: NUDGE_ADMIN_TOKEN)
  --json              the report as JSON`,
  timeline: `usage: nudge timeline SITE (EMAIL | CONTACT_ID | VISITOR_ID) [--url URL] [--token TOKEN]
                      [--json] [--tz ZONE]

Why did (or didn't) someone get an email: one line per thing that happened, oldest first: their
events, each episode's steps (due, held, deferred, skipped with the reason, sent, failed), opens,
clicks, unsubscribes. An EMAIL is first turned into its contact id (POST
/admin/api/contacts/SITE/lookup: the address travels in the body, never in a URL); a contact's
timeline includes every linked visitor's, a visitor's its contact's.
  --tz ZONE           show times in ZONE (default: this machine's, e.g. Europe/Berlin, UTC)
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)
  --token TOKEN       the admin token (default: NUDGE_ADMIN_TOKEN)
  --json              the timeline as JSON`,
  "send-event": `usage: nudge send-event SITE --name NAME (--email EMAIL | --vid VID) [--data JSON] [--id ID]
                        [--at ISO-TIME] [--url URL] [--key KEY]

Sends one server event to POST /v1/events (docs/server-events.md lists the names and data).
  --key KEY           the server key (default: NUDGE_SERVER_KEY)
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)`,
  key: `usage: nudge key

Prints a new random NUDGE_SERVER_KEY and how to install it.`,
  catalog: `usage: nudge catalog push SITE FILE [--url URL] [--key KEY] [--batch N] [--dry-run]

Checks every product in FILE with the worker's schema, then sends them to POST /v1/catalog in
batches, one after another (docs/catalog.md). A file with any error sends nothing; each error
names its place: [12].price (JSON), line 14 (id "sku-9") (CSV), item 7 (g:id "123") (RSS).
  FILE                .json: an array of products, or { "products": [ … ] }
                      .csv: a header row of id, name, price (required), currency, available,
                        inventory, url, image, category, related (ids separated by |);
                        price "19.90" or "19.90 EUR"; available true/false, yes/no, 1/0,
                        in_stock/out_of_stock; an empty cell is no value
                      .xml/.rss: a Google Merchant RSS 2.0 feed (g:id, title, link, g:price,
                        g:sale_price when lower, g:availability, g:image_link, g:product_type)
                      other names: by the first character ([ or { JSON, < RSS, else CSV)
  --batch N           products per request, 1 to 500 (default 500)
  --dry-run           check the file and say what would be sent; send nothing
  --key KEY           the server key (default: NUDGE_SERVER_KEY)
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)
A 429, a 503 or a network failure is retried up to 5 times per batch (retry-after honoured, at
most 30 s); any other refusal stops the push, names the file positions and how many products
were pushed before it.
exit codes: 0 pushed (or checked), 1 file errors or the worker refused, 2 wrong usage`,
  coupons: `usage: nudge coupons push SITE POOL FILE [--url URL] [--key KEY] [--dry-run]

Uploads unique coupon codes to POOL (templates read one as {{ coupon.POOL }}; docs/offers.md).
FILE holds one code a line (blank lines and # comments skipped), or is a CSV whose header's first
column is code. Every line is checked first: a bad code or one repeated in the file is an error
naming its lines, and nothing is sent. Codes go in batches of 1,000; pushing again is safe (codes
the pool has are counted, not added twice).
  --key KEY           the server key (default: NUDGE_SERVER_KEY)
  --url URL           the worker (default: NUDGE_URL, else http://127.0.0.1:8787)
  --dry-run           check FILE and send nothing`,
  logs: `usage: nudge logs [FILE | --follow FILE] [--msg M] [--site S] [--trigger T] [--contact HASH]
                  [--vid VID]

Reads output that mixes wrangler's own lines with the worker's JSON log lines (npm start's
.nudge-local/nudge.log, \`npm start 2>&1 | tee nudge.log\`, \`wrangler dev\`, \`wrangler tail
--format pretty\`) from FILE, or stdin, and prints only the JSON log lines, one per line and
unchanged, for jq. A filter keeps the lines whose field is one of its values (repeat the option
or separate values with commas); different filters must all match, except --contact and --vid
together, which keep a line naming either (one person, by contact hash or visitor id).
  --follow FILE       print FILE's lines, then new ones as they are written, until Ctrl-C
  --msg M             the log's msg, e.g. send.skipped or send.failed,webhook.failed
  --site S            the site id
  --trigger T         the trigger id, e.g. cart-abandoned
  --contact HASH      the contact (POST /admin/api/contacts/SITE/lookup gives it for an address)
  --vid VID           the visitor id
exit codes: 0 done, 1 FILE cannot be read, 2 wrong usage`,
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
      case "init": {
        const { runInit } = await import("./init.ts");
        return await runInit(rest, io);
      }
      case "deploy": {
        const { runDeploy } = await import("./deploy.ts");
        return await runDeploy(rest, io);
      }
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
      case "timeline": {
        const { runTimeline } = await import("./timeline.ts");
        return await runTimeline(rest, io);
      }
      case "send-event": {
        const { runSendEvent } = await import("./send-event.ts");
        return await runSendEvent(rest, io);
      }
      case "catalog": {
        const { runCatalog } = await import("./catalog.ts");
        return await runCatalog(rest, io);
      }
      case "coupons": {
        const { runCoupons } = await import("./coupons.ts");
        return await runCoupons(rest, io);
      }
      case "logs": {
        const { runLogs } = await import("./logs.ts");
        // `nudge logs … | head`: a reader that goes away ends the command, not with a stack.
        process.stdout.on("error", (err: NodeJS.ErrnoException) => {
          if (err.code === "EPIPE") process.exit(0);
        });
        return await runLogs(rest, io, { stdin: process.stdin });
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
