// Templates a site config uses, checked before anything reaches KV: `nudge validate FILE
// [--templates DIR]` and `nudge push FILE [--templates DIR]`. Every email step (and variant) is
// rendered over the sample data with the site's brand and vars, exactly as `nudge render
// --config` would, so Liquid that does not compile, a partial that does not exist or a filter
// that fails is an error naming the step and the template file's line and column, not a
// `template_error` at send time. DIR holds the site's overrides (`NAME.html.liquid`, optional
// `NAME.txt.liquid`), which `push` writes to KV as `template:<site>:NAME`.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Liquid } from "liquidjs";
import { TEMPLATES } from "../templates/bundle.ts";
import type { SiteConfig } from "../worker/config/schema.ts";
import { makeLinkSigner } from "../worker/mail/links.ts";
import { renderEmail } from "../worker/mail/render.ts";
import { stepRender } from "./render-step.ts";

/** The bundled sample data: what steps are rendered over when no other data is given. */
export const SAMPLE_DATA = fileURLToPath(new URL("../templates/sample-data.json", import.meta.url));

/** A template override's file name: `NAME.html.liquid` or `NAME.txt.liquid`. */
const OVERRIDE_FILE = /^([a-z0-9][a-z0-9_-]{0,63})\.(html|txt)\.liquid$/;

/**
 * The override sources in `dir`, keyed like the bundle (`NAME.html`, `NAME.txt`). Files of other
 * names are left out (and named in `ignored`).
 */
export async function readOverrides(
  dir: string,
): Promise<{ sources: Record<string, string>; ignored: string[] }> {
  const sources: Record<string, string> = {};
  const ignored: string[] = [];
  for (const f of (await readdir(dir)).sort()) {
    const m = OVERRIDE_FILE.exec(f);
    if (m) sources[`${m[1]}.${m[2]}`] = await readFile(join(dir, f), "utf8");
    else if (!f.startsWith(".")) ignored.push(f);
  }
  return { sources, ignored };
}

/** The template names an override set holds (`NAME` for each `NAME.html`). */
export function overrideNames(sources: Record<string, string>): string[] {
  return Object.keys(sources)
    .filter((k) => k.endsWith(".html"))
    .map((k) => k.slice(0, -".html".length));
}

/** Where an email template is used: `triggers[i].steps[j]` or `…variants[k]`, with its render. */
interface Use {
  path: string;
  trigger: string;
  step: number;
  variant: number | null;
  template: string;
}

function usesOf(config: SiteConfig): Use[] {
  const out: Use[] = [];
  config.triggers.forEach((t, i) =>
    t.steps.forEach((s, j) => {
      if (s.webhook !== undefined) return;
      const base = { trigger: t.id, step: j + 1 };
      if (s.variants?.length)
        s.variants.forEach((v, k) =>
          out.push({
            ...base,
            path: `triggers[${i}].steps[${j}].variants[${k}]`,
            variant: k + 1,
            template: v.template ?? s.template ?? "",
          }),
        );
      else
        out.push({
          ...base,
          path: `triggers[${i}].steps[${j}]`,
          variant: null,
          template: s.template ?? "",
        });
    }),
  );
  return out;
}

export interface TemplateReport {
  errors: string[];
  warnings: string[];
}

/**
 * Checks the templates `config` uses, with `overrides` (from `--templates DIR`, or null when no
 * directory was given: a template that is not bundled may then already be in KV, so it is a
 * warning; with a directory it is an error).
 */
export async function checkTemplates(
  config: SiteConfig,
  overrides: Record<string, string> | null,
): Promise<TemplateReport> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const sources = { ...TEMPLATES, ...(overrides ?? {}) };
  // Each override compiles on its own, used or not: the line and column of a syntax error.
  const liquid = new Liquid();
  for (const [file, text] of Object.entries(overrides ?? {})) {
    try {
      liquid.parse(text, `${file}.liquid`);
    } catch (err) {
      errors.push(`${file}.liquid: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const used = new Set<string>();
  const sample = JSON.parse(await readFile(SAMPLE_DATA, "utf8")) as { context: object };
  for (const use of usesOf(config)) {
    used.add(use.template);
    if (sources[`${use.template}.html`] === undefined) {
      const where = `${use.path}.template "${use.template}"`;
      if (overrides) errors.push(`${where}: not bundled and not in --templates`);
      else
        warnings.push(
          `${where} is not bundled: give it with --templates DIR (NAME.html.liquid) or ` +
            `put it in KV at template:${config.site}:${use.template}, or the step will fail`,
        );
      continue;
    }
    const r = stepRender(
      config,
      use.trigger,
      use.step,
      use.variant,
      sample.context as Record<string, unknown>,
    );
    if (!r.ok) {
      errors.push(`${use.path}: ${r.error}`);
      continue;
    }
    const signer = makeLinkSigner(
      "template-check",
      "http://127.0.0.1:8787",
      {
        site: config.site,
        contact: "check",
        email: "check@example.com",
        trigger: use.trigger,
        episode: "check",
        step: use.step - 1,
        variant: null,
      },
      Date.now(),
    );
    const out = await renderEmail({
      template: use.template,
      subject: r.render.subject,
      context: r.render.context,
      marketing: r.render.marketing,
      signer,
      allowedOrigins: r.render.allowedOrigins,
      imageHosts: r.render.imageHosts,
      ...(r.render.cartLink ? { cartLink: r.render.cartLink } : {}),
      overrides: overrides ?? {},
    });
    if (!out.ok) errors.push(`${use.path} (template "${use.template}"): ${out.message}`);
  }
  for (const name of overrideNames(overrides ?? {}))
    if (!used.has(name))
      warnings.push(
        `--templates: ${name}.html.liquid is not used by any step of site "${config.site}"`,
      );
  return { errors: [...new Set(errors)], warnings };
}
