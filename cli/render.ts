// `npx nudge render TEMPLATE --data FILE [--out DIR] [--subject S] [--templates DIR] [--base URL]
// [--transactional]`: renders one template with real link signing and writes <out>/<name>.html/.txt.
// `npx nudge render --config FILE --trigger ID [--step N] [--variant N] [--data FILE]`: renders
// what that step of a site config would send (render-step.ts), with the site's brand and vars.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { TemplateContext } from "../worker/mail/context.ts";
import { makeLinkSigner } from "../worker/mail/links.ts";
import { renderEmail } from "../worker/mail/render.ts";
import { parseArgs, UsageError, type Io } from "./args.ts";
import { loadConfigFile } from "./config.ts";
import { stepRender, type StepRender } from "./render-step.ts";
import { readOverrides, SAMPLE_DATA } from "./template-check.ts";

export const RENDER_USAGE =
  "usage: nudge render TEMPLATE --data FILE [--out DIR] [--subject TEXT] [--templates DIR] [--base URL] [--transactional]\n" +
  "       nudge render --config FILE --trigger ID [--step N] [--variant N] [--data FILE] [--out DIR] [--templates DIR] [--base URL]";

interface DataFile {
  context?: TemplateContext;
  origins?: string[];
  /** For the preview only: image URLs starting with a key load from the local directory (relative
   * to the data file) instead, so sample images show without the store running, e.g.
   * `{ "http://127.0.0.1:8080/img/": "samples/" }`. The email as sent keeps the store's URLs. */
  previewImages?: Record<string, string>;
  templates?: Record<string, { subject?: string; marketing?: boolean }>;
}

const FLAGS = {
  config: "value",
  trigger: "value",
  step: "value",
  variant: "value",
  data: "value",
  out: "value",
  subject: "value",
  templates: "value",
  base: "value",
  transactional: "bool",
} as const;

/** `src="<prefix>name"` → the local file `<dir>/name` (when it exists) as a file: URL. */
export function localPreviewImages(
  html: string,
  map: Record<string, string>,
  baseDir: string,
): string {
  return html.replace(/(<img\b[^>]*?\ssrc=")([^"]+)"/gi, (whole, head: string, src: string) => {
    for (const [prefix, dir] of Object.entries(map)) {
      if (!src.startsWith(prefix)) continue;
      const name = src.slice(prefix.length).split(/[?#]/)[0] ?? "";
      if (!/^[\w.-]+$/.test(name)) continue;
      const file = resolve(baseDir, dir, name);
      if (existsSync(file)) return `${head}${pathToFileURL(file).href}"`;
    }
    return whole;
  });
}

/** Runs the command; returns the process exit code (0 ok, 1 render error, 2 usage). */
export async function runRender(args: string[], io: Io, cwd = process.cwd()): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(args, FLAGS);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`nudge render: ${err.message}\n${RENDER_USAGE}`);
    return 2;
  }
  const flags = new Map(Object.entries(parsed.opts));
  const configPath = flags.get("config");
  const dataFlag = flags.get("data");
  const dataPath =
    typeof dataFlag === "string" ? dataFlag : typeof configPath === "string" ? SAMPLE_DATA : null;
  if (typeof configPath === "string" && typeof flags.get("trigger") !== "string") {
    io.err(`nudge render: --config needs --trigger ID\n${RENDER_USAGE}`);
    return 2;
  }
  const name0 = parsed.positional[0];
  if ((!name0 && typeof configPath !== "string") || dataPath === null) {
    io.err(
      `nudge render: a TEMPLATE name and --data FILE, or --config FILE, are required\n${RENDER_USAGE}`,
    );
    return 2;
  }
  let data: DataFile & Partial<TemplateContext>;
  try {
    data = JSON.parse(await readFile(resolve(cwd, dataPath), "utf8")) as DataFile &
      Partial<TemplateContext>;
  } catch (err) {
    io.err(
      `nudge render: cannot read --data ${dataPath}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 2;
  }
  // Either the sample-data.json shape ({ context, templates, origins }) or a bare context.
  const context = (data.context ?? data) as TemplateContext;
  if (typeof configPath !== "string" && (!context.site || !context.contact)) {
    io.err(
      "nudge render: --data must hold a template context with at least `site` and `contact` (see templates/sample-data.json)",
    );
    return 2;
  }
  let step: StepRender | null = null;
  if (typeof configPath === "string") {
    const config = loadConfigFile(resolve(cwd, configPath), io);
    if (!config) return 1;
    const num = (flag: string, dflt: number | null) => {
      const v = flags.get(flag);
      if (v === undefined) return dflt;
      const n = typeof v === "string" && /^\d{1,3}$/.test(v) ? Number(v) : NaN;
      if (!(n >= 1)) throw new UsageError(`--${flag} must be a whole number from 1`);
      return n;
    };
    let r: ReturnType<typeof stepRender>;
    try {
      r = stepRender(
        config,
        String(flags.get("trigger")),
        num("step", 1) ?? 1,
        num("variant", null),
        (data.context ?? data) as unknown as Record<string, unknown>,
      );
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      io.err(`nudge render: ${err.message}\n${RENDER_USAGE}`);
      return 2;
    }
    if (!r.ok) {
      io.err(`nudge render: ${r.error}`);
      return 1;
    }
    step = r.render;
    io.out(`Rendering ${step.label}: template ${step.template}`);
  }
  const name = step?.template ?? name0 ?? "";
  const spec = data.templates?.[name] ?? {};
  const subjectFlag = flags.get("subject");
  const templatesDir = flags.get("templates");
  const base = flags.get("base");
  const shown = step?.context ?? context;
  const signer = makeLinkSigner(
    process.env.NUDGE_SECRET || "dev-secret-not-for-production",
    typeof base === "string" ? base : "http://127.0.0.1:8787",
    {
      site: shown.site.id,
      contact: "preview",
      email: shown.contact.email,
      trigger: name,
      episode: "preview",
      step: 0,
      variant: null,
    },
    Date.now(),
  );
  const overrides =
    typeof templatesDir === "string"
      ? (await readOverrides(resolve(cwd, templatesDir))).sources
      : {};
  const r = step
    ? await renderEmail({
        template: name,
        subject: typeof subjectFlag === "string" ? subjectFlag : step.subject,
        context: step.context,
        marketing: step.marketing,
        signer,
        allowedOrigins: step.allowedOrigins,
        imageHosts: step.imageHosts,
        ...(step.cartLink ? { cartLink: step.cartLink } : {}),
        overrides,
      })
    : await renderEmail({
        template: name,
        subject: typeof subjectFlag === "string" ? subjectFlag : (spec.subject ?? name),
        context,
        marketing: flags.has("transactional") ? false : (spec.marketing ?? true),
        signer,
        allowedOrigins: data.origins ?? [],
        overrides,
      });
  if (!r.ok) {
    io.err(`nudge render: ${r.message} (${r.reason})`);
    return 1;
  }
  const outFlag = flags.get("out");
  const outDir = resolve(cwd, typeof outFlag === "string" ? outFlag : ".nudge-local/render");
  await mkdir(outDir, { recursive: true });
  const htmlPath = join(outDir, `${name}.html`);
  const textPath = join(outDir, `${name}.txt`);
  await writeFile(
    htmlPath,
    data.previewImages
      ? localPreviewImages(r.html, data.previewImages, dirname(resolve(cwd, dataPath)))
      : r.html,
  );
  await writeFile(textPath, r.text);
  io.out(`Subject: ${r.subject}`);
  for (const [k, v] of Object.entries(r.headers)) io.out(`${k}: ${v}`);
  io.out(`wrote ${htmlPath}`);
  io.out(`wrote ${textPath}`);
  return 0;
}
