// SqsSigner signs exactly as aws4fetch's AwsV4Signer does: same Authorization header, same headers.
import { expect, test } from "bun:test";
import { AwsV4Signer } from "aws4fetch";
import { SqsSigner } from "../../src/sqs/signer";

type Init = ConstructorParameters<typeof AwsV4Signer>[0];

const base = (body: string, over: Partial<Init> = {}): Init => ({
  url: "https://sqs.eu-west-1.amazonaws.com/",
  method: "POST",
  headers: {
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": "AmazonSQS.SendMessageBatch",
    "x-amz-content-sha256": new Bun.CryptoHasher("sha256").update(body).digest("hex"),
  },
  body,
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  service: "sqs",
  region: "eu-west-1",
  datetime: "20261204T101112Z",
  ...over,
});

const signed = async (s: AwsV4Signer) => {
  const r = await s.sign();
  return { url: r.url.toString(), headers: Object.fromEntries(r.headers), body: r.body };
};

test("the same signature as aws4fetch's own, over bodies, regions, dates, session tokens and paths", async () => {
  const cases: Init[] = [
    base('{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/q","Entries":[{"Id":"0","MessageBody":"hi"}]}'),
    base(JSON.stringify({ MessageBody: "😀 ünïcödé \u2028 <b>&</b>" }), {
      region: "us-east-1",
      url: "https://sqs.us-east-1.amazonaws.com/",
    }),
    base("{}", { sessionToken: "FwoGZXIvYXdzEXAMPLE//token+/=", datetime: "20270101T000000Z" }),
    base("", { url: "http://127.0.0.1:9324/000000000000/my-queue.fifo?x=1&a=b c", method: "GET", body: undefined }),
    base("x".repeat(300_000), { secretAccessKey: "another/secret+key" }),
  ];
  for (const init of cases) {
    const ours = await signed(new SqsSigner({ ...init, cache: new Map() }));
    const theirs = await signed(new AwsV4Signer({ ...init, cache: new Map() }));
    expect(ours).toEqual(theirs);
    expect(ours.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/[a-z0-9-]+\/sqs\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/,
    );
  }
});

test("a signing key cached by one signer is the key the other derives (a shared cache stays valid)", async () => {
  const cache = new Map<string, ArrayBuffer>();
  const first = await signed(new SqsSigner({ ...base("{}"), cache }));
  expect(cache.size).toBe(1);
  // aws4fetch's own signer, reading the key SqsSigner cached, signs the same…
  expect(await signed(new AwsV4Signer({ ...base("{}"), cache }))).toEqual(first);
  // …and SqsSigner reading a key aws4fetch cached signs as aws4fetch does.
  const theirCache = new Map<string, ArrayBuffer>();
  const theirs = await signed(new AwsV4Signer({ ...base('{"a":1}'), cache: theirCache }));
  expect(await signed(new SqsSigner({ ...base('{"a":1}'), cache: theirCache }))).toEqual(theirs);
  // A different day is a different key.
  await signed(new SqsSigner({ ...base("{}", { datetime: "20261205T000000Z" }), cache }));
  expect(cache.size).toBe(2);
});
