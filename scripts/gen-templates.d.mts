// Types for scripts/gen-templates.mjs (imported by the bundle freshness test).
export declare const TEMPLATES_DIR: string;
export declare const BUNDLE_PATH: string;
export declare function buildTemplateBundle(dir?: string): Promise<string>;
