// Request validation against test/contracts/resend-openapi.yaml for the fake Resend: route and
// method lookup, bearer auth scheme, header parameters, and the JSON body via Ajv (2020-12).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

/** The contract: $RESEND_CONTRACT, else the copy in test/contracts/ (see its README). */
export const CONTRACT_PATH =
  process.env.RESEND_CONTRACT ??
  fileURLToPath(new URL("../contracts/resend-openapi.yaml", import.meta.url));

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  schema?: { maxLength?: number };
}
interface Operation {
  operationId?: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content?: Record<string, unknown> };
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
}

export interface ContractRoute {
  operationId: string;
  headerParams: Parameter[];
  validateBody: ValidateFunction | null;
}

export type MatchResult = { ok: true; route: ContractRoute } | { ok: false; status: 404 | 405 };

const ID = "https://contract.test/resend-openapi.json";
const METHODS = ["get", "post", "put", "patch", "delete"];

function pointer(...parts: string[]): string {
  return "#/" + parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
}

/** Loads the contract once and answers "is (method, path) a real operation, and how to validate it". */
export class ResendContract {
  private readonly routes: { re: RegExp; methods: Map<string, ContractRoute> }[] = [];

  constructor(path = CONTRACT_PATH) {
    const doc = parse(readFileSync(path, "utf8")) as Doc;
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
    addFormats(ajv);
    ajv.addFormat("binary", true);
    ajv.addSchema({ $id: ID, paths: doc.paths, components: doc.components });
    for (const [p, ops] of Object.entries(doc.paths)) {
      const re = new RegExp(
        "^" + p.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+") + "$",
      );
      const methods = new Map<string, ContractRoute>();
      for (const m of METHODS) {
        const op = ops[m];
        if (!op) continue;
        const json = op.requestBody?.content?.["application/json"];
        const validateBody = json
          ? (ajv.getSchema(
              ID + pointer("paths", p, m, "requestBody", "content", "application/json", "schema"),
            ) ?? null)
          : null;
        const headerParams = (op.parameters ?? []).filter(
          (x): x is Parameter => "in" in x && x.in === "header",
        );
        methods.set(m.toUpperCase(), {
          operationId: op.operationId ?? `${m} ${p}`,
          headerParams,
          validateBody,
        });
      }
      this.routes.push({ re, methods });
    }
  }

  match(method: string, path: string): MatchResult {
    // Literal paths win over templated ones (/emails/batch vs /emails/{email_id}).
    const hits = this.routes
      .filter((r) => r.re.test(path))
      .sort((a, b) => a.re.source.length - b.re.source.length);
    if (hits.length === 0) return { ok: false, status: 404 };
    for (const h of hits) {
      const route = h.methods.get(method.toUpperCase());
      if (route) return { ok: true, route };
    }
    return { ok: false, status: 405 };
  }
}
