// Summaries (medians over rounds) and Markdown tables.
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

export function median(xs: Array<number | null | undefined>): number | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function spread(xs: Array<number | null | undefined>): { min: number; max: number } | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length ? { min: Math.min(...v), max: Math.max(...v) } : null;
}

/** A number for a table: fixed decimals, "–" for none. */
export function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return digits === 0 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits);
}

export function table(header: string[], rows: string[][], align: Array<"l" | "r"> = []): string {
  const sep = header.map((_, i) => ((align[i] ?? (i === 0 ? "l" : "r")) === "r" ? "---:" : "---"));
  return [header, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  loadavg: number[];
}

export function machine(): Machine {
  let kernel = "";
  let memKb = 0;
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
    memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  } catch {
    // not Linux
  }
  const model = /^model name\s*:\s*(.+)$/m.exec(safeRead("/proc/cpuinfo"))?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown";
  return {
    nproc: navigator.hardwareConcurrency,
    cpuModel: model,
    memoryGiB: Math.round(memKb / 1024 / 1024),
    kernel,
    loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export const machineLine = (m: Machine, date: string) =>
  `${date}; ${m.nproc} cores, ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}; load average at start ${m.loadavg.join(" / ")}`;
