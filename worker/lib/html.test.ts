// decodeEntities: names that arrive HTML-escaped (WooCommerce's Store API, WordPress JSON-LD).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEntities, escapeHtml } from "./html.ts";

describe("decodeEntities", () => {
  it.each([
    ["Salt &#038; Pepper Mill", "Salt & Pepper Mill"],
    ["Salt &amp; Pepper Mill", "Salt & Pepper Mill"],
    ["Caf&#xE9; &#8211; &#8220;Noir&#8221;", "Café – “Noir”"],
    ["Tom&apos;s &lt;b&gt; &QUOT;x&quot;", 'Tom\'s <b> "x"'],
    ["a&nbsp;b", "a\u00a0b"],
    ["&#x1F600; mug", "😀 mug"],
  ])("%s → %s", (raw, want) => {
    expect(decodeEntities(raw)).toBe(want);
  });

  it("decodes once: an escaped reference stays a reference", () => {
    expect(decodeEntities("&amp;lt; &amp;#038;")).toBe("&lt; &#038;");
  });

  it("reads a reference to no character as U+FFFD, as a browser does; an unknown name as written", () => {
    for (const s of ["&#0;", "&#xD800;", "&#1114112;", "&#x110000;", "&#99999999999999999999;"])
      expect(decodeEntities(s)).toBe("\ufffd");
    expect(decodeEntities("jav&#0;ascript:")).toBe("jav\ufffdascript:");
    expect(decodeEntities("&#0000065;")).toBe("A");
    for (const s of ["&copy2;", "&unknown;", "AT&T", "& ;", "&#;"])
      expect(decodeEntities(s)).toBe(s);
  });

  it("undoes escapeHtml for any text", () => {
    fc.assert(fc.property(fc.string(), (s) => decodeEntities(escapeHtml(s)) === s));
  });
});
