// Child processes for the benchmark: spawned in their own process group, killed as a group, and read from /proc.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const CLK_TCK = 100; // Linux USER_HZ; /proc/PID/stat counts CPU time in these ticks

export interface Child {
  name: string;
  proc: Subprocess<"ignore", "pipe" | "ignore", "pipe">;
  pid: number;
  /** Kills the whole process group (SIGKILL unless told otherwise) and waits for the leader. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<Child>();
const tempDirs = new Set<string>();

/** Spawns a command in a new process group (setsid), tracked so that cleanup() can end it. */
export function spawnChild(
  name: string,
  cmd: string[],
  opts: {
    env?: Record<string, string>;
    stdout?: "pipe" | "ignore";
    /** "pipe", "ignore", or a file path that receives the child's stderr (read back on failure). */
    stderr?: string;
    cwd?: string;
    /** CPUs to pin the child to (taskset -c), e.g. "0" or "1". */
    cpus?: string;
  } = {},
): Child {
  const stderr = opts.stderr === undefined || opts.stderr === "ignore" ? "ignore" : opts.stderr === "pipe" ? "pipe" : Bun.file(opts.stderr);
  const argv = opts.cpus ? ["taskset", "-c", opts.cpus, ...cmd] : cmd;
  const proc = Bun.spawn(argv, {
    stdin: "ignore",
    stdout: opts.stdout ?? "ignore",
    stderr: stderr as "pipe",
    env: opts.env ?? cleanEnv(),
    cwd: opts.cwd,
    detached: true,
  });
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (proc.exitCode === null && proc.signalCode === null) {
        try {
          process.kill(-proc.pid, signal);
        } catch {
          try {
            proc.kill(signal);
          } catch {
            // already gone
          }
        }
      }
      // Bounded wait: a group that ignores SIGTERM gets SIGKILL after 5 s.
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
      if (!exited && signal !== "SIGKILL") return child.kill("SIGKILL");
      live.delete(child);
    },
  };
  live.add(child);
  return child;
}

/** The environment for children, without AWS_* / SQS_ACCELERATOR_* settings of the machine running the benchmark. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(AWS_|SQS_ACCELERATOR_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Kills every child still running and removes every temp dir; safe to call more than once. */
export async function cleanup(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill("SIGKILL")));
  for (const dir of [...tempDirs]) removeTempDir(dir);
}

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** utime + stime of a process (all its threads), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

/** Total size of the files in a directory (not recursive), in MiB. */
export function dirMiB(dir: string): number {
  let bytes = 0;
  try {
    for (const f of readdirSync(dir)) {
      try {
        bytes += statSync(join(dir, f)).size;
      } catch {
        // removed meanwhile
      }
    }
  } catch {
    return 0;
  }
  return bytes / 1024 / 1024;
}

/** Polls `check` every `everyMs` until it returns a truthy value or `ms` pass; returns undefined on timeout. */
export async function poll<T>(check: () => T | Promise<T>, ms: number, everyMs = 20): Promise<T | undefined> {
  const deadline = performance.now() + ms;
  for (let i = 0; i < 1_000_000; i++) {
    const v = await check();
    if (v) return v;
    if (performance.now() > deadline) return undefined;
    await Bun.sleep(everyMs);
  }
  return undefined;
}

/** Waits until a server answers on 127.0.0.1:port (any HTTP status), or throws after `ms`. */
export async function waitListening(child: Child, port: number, ms = 15_000, path = "/"): Promise<void> {
  const ok = await poll(
    async () => {
      if (child.proc.exitCode !== null) throw new Error(`${child.name} exited with code ${child.proc.exitCode} before listening`);
      try {
        const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1_000) });
        await r.arrayBuffer();
        return true;
      } catch {
        return false;
      }
    },
    ms,
    10,
  );
  if (!ok) throw new Error(`${child.name} did not listen on 127.0.0.1:${port} within ${ms} ms`);
}
