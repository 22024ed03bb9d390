// Compiles the daemon into one self-contained executable: dist/sqs-accelerator.
import { $ } from "bun";

const out = "dist/sqs-accelerator";
const started = performance.now();
await $`bun build src/main.ts --compile --minify --bytecode --target=bun --outfile ${out}`.quiet();
const size = Bun.file(out).size;
console.log(`built ${out} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);
