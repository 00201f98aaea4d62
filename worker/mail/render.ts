// renderEmail: Liquid (HTML escaped by default, no filesystem) → subject, HTML and text, with
// click-tracked links, the open pixel, the marketing footer and List-Unsubscribe headers.
import { Liquid, type Context, type Template } from "liquidjs";
import { TEMPLATES } from "../../templates/bundle.ts";
import { formatMoney, type TemplateContext } from "./context.ts";
import { htmlToText } from "./html-to-text.ts";
import type { LinkSigner } from "./links.ts";
import {
  appendPixel,
  ensureHtmlFooter,
  ensureTextFooter,
  rewriteHtmlLinks,
  rewriteTextLinks,
} from "./postprocess.ts";

/** Template sources keyed "<name>.html" / "<name>.txt" (partials and layouts start with "_"). */
export type TemplateSources = Readonly<Record<string, string>>;

export interface RenderInput {
  /** Template name, e.g. "cart-abandoned". */
  template: string;
  /** Subject line, itself a Liquid template (from the trigger step). */
  subject: string;
  context: TemplateContext;
  /** Marketing mail gets List-Unsubscribe headers and a guaranteed footer. */
  marketing: boolean;
  signer: LinkSigner;
  /** Site origins whose links are click-tracked (others are left as plain links). */
  allowedOrigins?: readonly string[];
  /** Hosts images may load from besides the origins (the site config's `imageHosts`). */
  imageHosts?: readonly string[];
  /** Liquid for the cart link (a platform's cart permalink over `cart.items`): when it renders
   * to an http(s) URL it becomes `links.cart`. */
  cartLink?: string;
  /** Per-site overrides (see parseTemplateOverride), layered over `sources`. */
  overrides?: TemplateSources;
  /** Defaults to the bundled templates/ directory. */
  sources?: TemplateSources;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** List-Unsubscribe + List-Unsubscribe-Post for marketing mail, else empty. */
  headers: Record<string, string>;
}

export type RenderResult =
  | ({ ok: true } & RenderedEmail)
  | { ok: false; reason: "template_not_found" | "template_error"; message: string };

const LIMITS = { parseLimit: 1e6, renderLimit: 2000, memoryLimit: 64e6 } as const;

function engine(templates: Record<string, string>, html: boolean): Liquid {
  const liquid = new Liquid({
    templates,
    extname: "",
    // Each file is parsed once per engine; engines are kept per source set (enginesFor).
    cache: true,
    outputEscape: html ? "escape" : undefined,
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    ...LIMITS,
  });
  liquid.registerFilter(
    "money",
    function (this: { context: Context }, value: unknown, currency?: unknown) {
      const ctx = this.context;
      const pick = (...path: string[]): string | undefined => {
        const v = ctx.getSync(path);
        return typeof v === "string" && v ? v : undefined;
      };
      const code =
        (typeof currency === "string" && currency) ||
        pick("cart", "currency") ||
        pick("order", "currency") ||
        pick("site", "currency") ||
        "USD";
      return formatMoney(value, code.toUpperCase(), pick("site", "locale") ?? "en-US");
    },
  );
  return liquid;
}

/** A source set's two engines (HTML escaped, text not) and its parsed inline templates. */
interface Engines {
  html: Liquid;
  text: Liquid;
  /** Subject lines and cart links, parsed once (for the text engine). */
  inline: Map<string, Template[]>;
}

/** Engines kept by the isolate, per template and overrides: a burst of emails parses each
 * template once, not once per email. Bounded; the oldest is dropped first. */
const engineCache = new Map<string, Engines>();
const ENGINE_CACHE_MAX = 32;
const INLINE_CACHE_MAX = 256;

function enginesFor(input: RenderInput, sources: Record<string, string>): Engines {
  const make = (): Engines => ({
    html: engine(sources, true),
    text: engine(sources, false),
    inline: new Map(),
  });
  // Caller-given sources (tests, the template check) are not kept: only the bundled ones.
  if (input.sources !== undefined) return make();
  const key = `${input.template}\n${JSON.stringify(input.overrides ?? {})}`;
  let e = engineCache.get(key);
  if (!e) {
    e = make();
    engineCache.set(key, e);
    if (engineCache.size > ENGINE_CACHE_MAX)
      engineCache.delete(engineCache.keys().next().value as string);
  }
  return e;
}

/** Renders an inline template (subject, cart link) with the text engine, parsing it once. */
async function renderInline(e: Engines, source: string, scope: object): Promise<string> {
  let parsed = e.inline.get(source);
  if (!parsed) {
    parsed = e.text.parse(source);
    if (e.inline.size >= INLINE_CACHE_MAX) e.inline.clear();
    e.inline.set(source, parsed);
  }
  return (await e.text.render(parsed, scope)) as string;
}

/**
 * A KV override value (`template:<site>:<name>`) → sources. Accepts either raw HTML, or JSON
 * `{ "html": "...", "text": "..." }` (text optional: derived from the HTML when absent).
 */
export function parseTemplateOverride(name: string, value: string | null): Record<string, string> {
  if (!value) return {};
  const trimmed = value.trim();
  if (trimmed.startsWith("{")) {
    try {
      const o: unknown = JSON.parse(trimmed);
      if (o && typeof o === "object") {
        const out: Record<string, string> = {};
        const { html, text } = o as { html?: unknown; text?: unknown };
        if (typeof html === "string") out[`${name}.html`] = html;
        if (typeof text === "string") out[`${name}.txt`] = text;
        return out;
      }
    } catch {
      // not JSON: treat as HTML
    }
  }
  return { [`${name}.html`]: value };
}

function describe(err: unknown, file: string): string {
  const e = err instanceof Error ? err : new Error(String(err));
  return `${file}: ${e.name}: ${e.message}`;
}

function oneLine(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, " ")
    .replace(/ {2,}/g, " ")
    .trim()
    .slice(0, 998);
}

/**
 * The sources a template renders from: the bundled ones (or `base`) with a site's overrides laid
 * over them. An override of the HTML alone drops the default text part (the text is then derived
 * from the HTML): it must not pair with the default text of a different design.
 */
export function templateSources(
  template: string,
  overrides: TemplateSources = {},
  base: TemplateSources = TEMPLATES,
): Record<string, string> {
  const sources: Record<string, string> = { ...base };
  if (overrides[`${template}.html`] !== undefined && overrides[`${template}.txt`] === undefined) {
    delete sources[`${template}.txt`];
  }
  return Object.assign(sources, overrides);
}

/** Renders one email. Never throws for template problems: returns `{ ok: false, reason }`. */
export async function renderEmail(input: RenderInput): Promise<RenderResult> {
  const sources = templateSources(input.template, input.overrides, input.sources);
  const htmlFile = `${input.template}.html`;
  const textFile = `${input.template}.txt`;
  if (sources[htmlFile] === undefined) {
    return { ok: false, reason: "template_not_found", message: `no template "${htmlFile}"` };
  }
  const unsubscribeUrl = await input.signer.unsubscribe();
  const scope = {
    ...input.context,
    links: { ...input.context.links, unsubscribe: unsubscribeUrl } as Record<string, string>,
    /** About this email: layouts show the unsubscribe link only for marketing mail. */
    message: { template: input.template, marketing: input.marketing },
  };
  const engines = enginesFor(input, sources);
  const htmlEngine = engines.html;
  const textEngine = engines.text;
  let subject: string, html: string, text: string;
  let file = "subject";
  try {
    if (input.cartLink !== undefined) {
      file = "cartLink";
      const cart = (await renderInline(engines, input.cartLink, scope)).trim();
      if (/^https?:\/\//i.test(cart) && URL.canParse(cart)) scope.links = { ...scope.links, cart };
      file = "subject";
    }
    subject = oneLine(await renderInline(engines, input.subject, scope));
    file = htmlFile;
    html = await htmlEngine.renderFile(htmlFile, scope);
    file = textFile;
    text =
      sources[textFile] !== undefined
        ? await textEngine.renderFile(textFile, scope)
        : htmlToText(html);
  } catch (err) {
    return { ok: false, reason: "template_error", message: describe(err, file) };
  }
  const policy = {
    signer: input.signer,
    allowedOrigins: input.allowedOrigins ?? [],
    imageHosts: input.imageHosts ?? [],
  };
  const footer = {
    postalAddress: input.context.site.postal_address,
    unsubscribeUrl,
    siteName: input.context.site.name,
  };
  html = await rewriteHtmlLinks(html, policy);
  text = await rewriteTextLinks(
    text
      .replace(/\r\n/g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim() + "\n",
    policy,
  );
  if (input.marketing) {
    html = ensureHtmlFooter(html, footer);
    text = ensureTextFooter(text, footer);
  }
  html = appendPixel(html, await input.signer.open());
  const headers: Record<string, string> = input.marketing
    ? {
        "List-Unsubscribe": `<${unsubscribeUrl}>`,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      }
    : {};
  return { ok: true, subject, html, text, headers };
}
