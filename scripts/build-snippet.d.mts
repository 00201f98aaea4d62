// Types for scripts/build-snippet.mjs (imported by snippet/size.test.ts and tests).
export declare const SNIPPET_MODULE_PATH: string;
export declare const SNIPPET_DIST_PATH: string;
export declare function snippetModuleSource(code: string): string;
export declare function buildSnippet(options?: { write?: boolean }): Promise<string>;
export declare const PLATFORMS: ("shopify" | "woocommerce")[];
export declare const PLATFORMS_MODULE_PATH: string;
export declare function platformDistPath(name: string): string;
export declare const RESTORES: "woocommerce"[];
export declare function platformsModuleSource(
  codes: Record<string, string>,
  restores: Record<string, string>,
): string;
export declare function buildRestores(): Promise<Record<"woocommerce", string>>;
export declare function buildPlatforms(options?: {
  write?: boolean;
}): Promise<Record<"shopify" | "woocommerce", string>>;
