// Compiles the daemon into one self-contained executable: dist/sqs-accelerator.
import { $ } from "bun";

const out = "dist/sqs-accelerator";
const started = performance.now();
// The sender worker is a second entry point: workers must be named to be bundled into the binary.
await $`bun build src/main.ts src/sqs/send-worker.ts --compile --minify --target=bun --outfile ${out}`.quiet();
const size = Bun.file(out).size;
console.log(`built ${out} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);
