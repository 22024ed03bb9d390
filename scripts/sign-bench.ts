// Signing one SendMessageBatch of ten 100-byte messages, two ways in one run: aws4fetch's
// AwsV4Signer as shipped (WebCrypto digests) and SqsSigner (the same signer, Bun.CryptoHasher
// digests; src/sqs/signer.ts). Both with a warm signing-key cache, as in the daemon.
// Usage: bun scripts/sign-bench.ts [--signs N] [--rounds N]
import { AwsV4Signer } from "aws4fetch";
import { SqsSigner } from "../src/sqs/signer";
import { countOptions, interleaved, median } from "./bench-lib/ab";

const { signs, rounds } = countOptions("Usage: bun scripts/sign-bench.ts [--signs N, 20000] [--rounds N, 3]", { signs: 20_000, rounds: 3 });

const body = JSON.stringify({
  QueueUrl: "http://127.0.0.1:9324/000000000000/bench",
  Entries: Array.from({ length: 10 }, (_, i) => ({ Id: String(i), MessageBody: "x".repeat(100) })),
});
const init = {
  url: "http://127.0.0.1:9324/",
  method: "POST",
  headers: {
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": "AmazonSQS.SendMessageBatch",
    "x-amz-content-sha256": new Bun.CryptoHasher("sha256").update(body).digest("hex"),
  },
  body,
  accessKeyId: "AKIDSIGNBENCH",
  secretAccessKey: "not-a-secret",
  service: "sqs",
  region: "us-east-1",
};
type Mode = "aws4fetch" | "SqsSigner";
const Signers: Record<Mode, typeof AwsV4Signer> = { aws4fetch: AwsV4Signer, SqsSigner };

async function once(mode: Mode): Promise<number> {
  const cache = new Map<string, ArrayBuffer>();
  await new Signers[mode]({ ...init, cache }).sign(); // derives and caches the signing key
  const c0 = process.cpuUsage();
  for (let i = 0; i < signs; i++) await new Signers[mode]({ ...init, cache }).sign();
  const cpu = process.cpuUsage(c0);
  return (cpu.user + cpu.system) / signs;
}

await once("aws4fetch"); // warm-up
await once("SqsSigner");
const results = await interleaved(["aws4fetch", "SqsSigner"] as const, rounds, once, (us) => `${us.toFixed(1)} µs CPU per signature`);
const ours = median(results.SqsSigner);
const theirs = median(results.aws4fetch);
console.log(
  `\nSigning a SendMessageBatch, medians of ${rounds}: SqsSigner ${ours.toFixed(1)} / aws4fetch ${theirs.toFixed(1)} µs CPU (× ${(ours / theirs).toFixed(2)})`,
);
