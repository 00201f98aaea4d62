// The neutral colours templates may use (text, borders, backgrounds); every accent follows the
// site's brand colour instead. Checked by test/node/templates-palette.test.ts over the sources and
// worker/mail/offers-render.test.ts over rendered emails. docs/templates.md, "Brand colour".

/** Tailwind grays plus white; #111827 is also the brand colour's default. */
export const NEUTRALS: readonly string[] = [
  "#ffffff", // card, button text
  "#f9fafb", // offer box background
  "#f3f4f6", // page and image placeholder background, sold-out badge
  "#e5e7eb", // rules and borders
  "#6b7280", // secondary text, footer
  "#374151", // body text
  "#111827", // headings, names, prices; the brand colour's default
];

/** Hex colours in a source (not numeric character references like &#8199;), lower-cased. */
export function hexColours(source: string): string[] {
  return [...source.matchAll(/(?<!&)#[0-9a-fA-F]{3,8}\b/g)].map((m) => m[0].toLowerCase());
}
