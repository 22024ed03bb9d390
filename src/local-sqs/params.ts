// Typed readers for an action's JSON input: a wrong JSON type is a SerializationException, as AWS answers it.
import { fault } from "./errors";

export type Params = Record<string, unknown>;

const typeError = (name: string, expected: string) => fault.serialization(`${name}: expected ${expected}`);

export function optString(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw typeError(name, "a string");
  return v;
}

export function reqString(p: Params, name: string): string {
  const v = optString(p, name);
  if (v === undefined) throw fault.missingParameter(name);
  return v;
}

/** An integer member; SDKs send JSON numbers, a numeric string is taken too (the AWS CLI's shorthand can send one). */
export function optInt(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d{1,12}$/.test(v)) return Number(v);
  throw typeError(name, "an integer");
}

export function optStringList(p: Params, name: string): string[] | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw typeError(name, "a list of strings");
  return v as string[];
}

export function optStringMap(p: Params, name: string): Record<string, string> | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw typeError(name, "a map of strings");
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") throw typeError(`${name}.${k}`, "a string");
    out[k] = x;
  }
  return out;
}

export function optObject(p: Params, name: string): Params | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw typeError(name, "a structure");
  return v as Params;
}

export function optObjectList(p: Params, name: string): Params[] | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "object" || x === null || Array.isArray(x)))
    throw typeError(name, "a list of structures");
  return v as Params[];
}
