// Compiles the daemon into one self-contained executable: dist/sqs-accelerator.
import { $ } from "bun";

const out = "dist/sqs-accelerator";
const started = performance.now();
// The sender worker is a second entry point: workers must be named to be bundled into the binary.
// --bytecode starts the binary about 35 ms faster (Elysia's modules need no parsing), but it also makes
// import.meta.url the source path on the build machine, so src/sqs/remote-sender.ts learns that it runs
// compiled from the SQS_ACCELERATOR_COMPILED define, not from the URL.
await $`bun build src/main.ts src/sqs/send-worker.ts --compile --minify --bytecode --define SQS_ACCELERATOR_COMPILED=true --target=bun --outfile ${out}`.quiet();
const size = Bun.file(out).size;
console.log(`built ${out} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`);
