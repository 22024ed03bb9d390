// Shared by the micro-benchmarks that compare two ways of doing one thing in the same run
// (scripts/spool-bench.ts, post-bench.ts, sign-bench.ts): options, interleaved rounds, medians.
import { parseArgs } from "node:util";

/**
 * Whole-number options (`--name N`, 1 to 1,000,000) with their defaults; `--help` prints `usage`
 * and exits. Throws on anything else.
 */
export function countOptions<K extends string>(usage: string, defaults: Record<K, number>): Record<K, number> {
  const names = Object.keys(defaults) as K[];
  const { values } = parseArgs({
    options: { ...Object.fromEntries(names.map((k) => [k, { type: "string" as const }])), help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const out = {} as Record<K, number>;
  for (const k of names) {
    const raw = (values as Record<string, unknown>)[k];
    const v = raw === undefined ? defaults[k] : Number(raw);
    if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw new Error(`--${k} must be a whole number from 1 to 1000000`);
    out[k] = v;
  }
  return out;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Runs both ways once per round, alternating which goes first, and prints each result; returns
 * the results by way, in round order.
 */
export async function interleaved<M extends string, R>(
  ways: readonly [M, M],
  rounds: number,
  once: (way: M) => Promise<R>,
  show: (r: R) => string,
): Promise<Record<M, R[]>> {
  const results = { [ways[0]]: [], [ways[1]]: [] } as unknown as Record<M, R[]>;
  const width = Math.max(...ways.map((w) => w.length));
  for (let r = 1; r <= rounds; r++) {
    for (const way of r % 2 ? ways : [ways[1], ways[0]]) {
      const x = await once(way);
      results[way].push(x);
      console.log(`round ${r} ${way.padEnd(width)} ${show(x)}`);
    }
  }
  return results;
}
