// CLI dispatch: parses the command line and hands each command to its module. Returns the exit
// code (0 ok, 1 failure, 2 usage) instead of exiting, so tests can call it directly.
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
  key                                    print a new random NUDGE_SERVER_KEY and how to use it`;

const stdio: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
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
