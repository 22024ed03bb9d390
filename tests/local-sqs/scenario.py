"""One SQS scenario driven by boto3 (a real third-party client), printed as a JSON transcript.

Usage: python3 scenario.py ENDPOINT_URL

Every step records only observable outcomes that do not depend on the server's identity: the endpoint
is replaced by "<endpoint>", random ids and receipt handles are left out, timestamps become checks.
conformance.test.ts runs it against moto's server and against local-sqs and compares the transcripts.
"""

import base64
import json
import sys
import threading
import time

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = sys.argv[1].rstrip("/")
ONE_MIB = 1_048_576

sqs = boto3.client(
    "sqs",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id="AKIDLOCALSQSTEST",
    aws_secret_access_key="local-sqs-secret",
    config=botocore.config.Config(
        connect_timeout=5,
        read_timeout=40,
        retries={"total_max_attempts": 1},
    ),
)

out = {}


def record(step, value):
    if step in out:
        raise SystemExit(f"step {step} recorded twice")
    out[step] = value


def norm(value):
    """Endpoint-independent, JSON-friendly copy of an answer."""
    if isinstance(value, dict):
        return {k: norm(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [norm(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, str):
        return value.replace(ENDPOINT, "<endpoint>")
    return value


def error_of(fn, **kwargs):
    """Calls fn expecting an error; returns its code (as boto3 exposes it) and HTTP status."""
    try:
        fn(**kwargs)
    except botocore.exceptions.ClientError as e:
        return {
            "code": e.response["Error"]["Code"],
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return {"code": None, "status": 200}


def batch_outcome(r):
    """Successful ids and Failed (id, code, sender fault) of a batch answer, sorted by id."""
    return {
        "successful": sorted(s["Id"] for s in r.get("Successful", [])),
        "failed": sorted(
            [f["Id"], f["Code"], str(f["SenderFault"]).lower() == "true"]
            for f in r.get("Failed", [])
        ),
    }


def counts(url):
    a = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return [
        int(a["ApproximateNumberOfMessages"]),
        int(a["ApproximateNumberOfMessagesNotVisible"]),
        int(a["ApproximateNumberOfMessagesDelayed"]),
    ]


def receive(url, **kwargs):
    return sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])


def bodies(msgs):
    return [m["Body"] for m in msgs]


def attributes_view(attrs):
    """GetQueueAttributes(All): names, stable values, and whether timestamps are epoch numbers."""
    view = {}
    for k, v in sorted(attrs.items()):
        if k in ("CreatedTimestamp", "LastModifiedTimestamp"):
            view[k] = float(v) > 1_000_000_000
        elif k == "RedrivePolicy":
            view[k] = json.loads(v)
        else:
            view[k] = norm(v)
    return view


# ---- queues

std = sqs.create_queue(QueueName="conf-std", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
record("create_url", norm(std))
record("create_again_same", norm(sqs.create_queue(QueueName="conf-std", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]))
record("create_again_different", error_of(sqs.create_queue, QueueName="conf-std", Attributes={"VisibilityTimeout": "7"}))
record("create_bad_name", error_of(sqs.create_queue, QueueName="bad name!"))
record("get_url", norm(sqs.get_queue_url(QueueName="conf-std")["QueueUrl"]))
record("get_url_missing", error_of(sqs.get_queue_url, QueueName="conf-nope"))

fifo = sqs.create_queue(QueueName="conf-cbd.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
fifo2 = sqs.create_queue(QueueName="conf-ids.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
dlq = sqs.create_queue(QueueName="conf-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
record("dlq_arn", dlq_arn)
src = sqs.create_queue(
    QueueName="conf-src",
    Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})},
)["QueueUrl"]
small = sqs.create_queue(QueueName="conf-small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
record("list_prefix", sorted(norm(sqs.list_queues(QueueNamePrefix="conf-").get("QueueUrls", []))))
record("list_prefix_none", norm(sqs.list_queues(QueueNamePrefix="zzz-").get("QueueUrls", [])))

record("attributes_all_std", attributes_view(sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["All"])["Attributes"]))
record("attributes_all_fifo", attributes_view(sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])["Attributes"]))
record("attributes_redrive", attributes_view(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]))
record(
    "attributes_named",
    norm(sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["VisibilityTimeout", "QueueArn"])["Attributes"]),
)
record("attributes_unknown_name", error_of(sqs.get_queue_attributes, QueueUrl=std, AttributeNames=["Bogus"]))
sqs.set_queue_attributes(QueueUrl=std, Attributes={"VisibilityTimeout": "10", "DelaySeconds": "0"})
record("attributes_after_set", norm(sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["VisibilityTimeout"])["Attributes"]))

# ---- sending, MD5s and batch limits

attrs = {
    "s": {"DataType": "String", "StringValue": "value ✓"},
    "n": {"DataType": "Number", "StringValue": "42.5"},
    "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
    "custom": {"DataType": "String.custom", "StringValue": "x"},
}
r = sqs.send_message(QueueUrl=std, MessageBody="hello", MessageAttributes=attrs)
record(
    "send_with_attributes",
    {k: r.get(k) for k in ("MD5OfMessageBody", "MD5OfMessageAttributes", "SequenceNumber")} | {"has_id": bool(r.get("MessageId"))},
)
r = sqs.send_message(QueueUrl=std, MessageBody="héllo ✓ 🚀 \t\n\r end")
record("send_unicode", {k: r.get(k) for k in ("MD5OfMessageBody", "MD5OfMessageAttributes")})
r = sqs.send_message_batch(
    QueueUrl=std,
    Entries=[
        {"Id": "a", "MessageBody": "batch-a"},
        {"Id": "b", "MessageBody": "batch-b", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "c", "MessageBody": "batch-c"},
    ],
)
record("batch_ok", batch_outcome(r))
record(
    "batch_md5s",
    sorted([s["Id"], s["MD5OfMessageBody"], s.get("MD5OfMessageAttributes")] for s in r["Successful"]),
)
r = sqs.send_message_batch(
    QueueUrl=std,
    Entries=[{"Id": "ok", "MessageBody": "batch-ok"}, {"Id": "late", "MessageBody": "x", "DelaySeconds": 1000}],
)
record("batch_partial", batch_outcome(r))
record("batch_empty", error_of(sqs.send_message_batch, QueueUrl=std, Entries=[]))
record(
    "batch_eleven",
    error_of(sqs.send_message_batch, QueueUrl=std, Entries=[{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)]),
)
record(
    "batch_ids_not_distinct",
    error_of(sqs.send_message_batch, QueueUrl=std, Entries=[{"Id": "same", "MessageBody": "1"}, {"Id": "same", "MessageBody": "2"}]),
)
record("batch_bad_id", error_of(sqs.send_message_batch, QueueUrl=std, Entries=[{"Id": "not ok!", "MessageBody": "1"}]))
record(
    "batch_too_long",
    error_of(
        sqs.send_message_batch,
        QueueUrl=std,
        Entries=[{"Id": "big1", "MessageBody": "x" * 600_000}, {"Id": "big2", "MessageBody": "y" * 600_000}],
    ),
)
record("send_delay_too_long", error_of(sqs.send_message, QueueUrl=std, MessageBody="x", DelaySeconds=901))
record("send_missing_queue", error_of(sqs.send_message, QueueUrl=std.replace("conf-std", "conf-nope"), MessageBody="x"))
record("send_size_limit_ok", "MessageId" in sqs.send_message(QueueUrl=small, MessageBody="s" * 1024))
record("send_size_limit_over", error_of(sqs.send_message, QueueUrl=small, MessageBody="s" * 1025))
record("counts_after_sends", counts(std))

# ---- receive, visibility, delete

msgs = receive(
    std,
    MaxNumberOfMessages=10,
    VisibilityTimeout=30,
    MessageAttributeNames=["All"],
    MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp", "ApproximateFirstReceiveTimestamp"],
)
record(
    "receive_all",
    sorted(
        [
            m["Body"],
            m["MD5OfBody"],
            m.get("MD5OfMessageAttributes"),
            norm(m.get("MessageAttributes", {})),
            sorted(m.get("Attributes", {}).keys()),
            m["Attributes"]["ApproximateReceiveCount"],
        ]
        for m in msgs
    ),
)
handles = {m["Body"]: m["ReceiptHandle"] for m in msgs}
r = receive(std, MaxNumberOfMessages=10, MessageAttributeNames=["s", "n"])
record("receive_while_in_flight", bodies(r))
record("counts_in_flight", counts(std))

sqs.change_message_visibility(QueueUrl=std, ReceiptHandle=handles["hello"], VisibilityTimeout=0)
r = receive(std, MaxNumberOfMessages=10, MessageAttributeNames=["s", "n"], MessageSystemAttributeNames=["ApproximateReceiveCount"])
record(
    "receive_after_visibility_0",
    [[m["Body"], m["Attributes"]["ApproximateReceiveCount"], norm(m.get("MessageAttributes")), m.get("MD5OfMessageAttributes")] for m in r],
)
handles["hello"] = r[0]["ReceiptHandle"]
sqs.delete_message(QueueUrl=std, ReceiptHandle=handles["hello"])
record("counts_after_delete", counts(std))
r = sqs.delete_message_batch(
    QueueUrl=std,
    Entries=[{"Id": f"d{i}", "ReceiptHandle": handles[b]} for i, b in enumerate(["batch-a", "batch-b"])]
    + [{"Id": "bad", "ReceiptHandle": "not-a-receipt-handle"}],
)
record("delete_batch", batch_outcome(r))
r = sqs.change_message_visibility_batch(
    QueueUrl=std,
    Entries=[
        {"Id": "v1", "ReceiptHandle": handles["batch-c"], "VisibilityTimeout": 0},
        {"Id": "bad", "ReceiptHandle": "not-a-receipt-handle", "VisibilityTimeout": 0},
    ],
)
record("change_visibility_batch", batch_outcome(r))
record("counts_after_batches", counts(std))
record("delete_invalid_handle", error_of(sqs.delete_message, QueueUrl=std, ReceiptHandle="not-a-receipt-handle")["code"])
record("receive_max_11", error_of(sqs.receive_message, QueueUrl=std, MaxNumberOfMessages=11))

# Visibility timeout runs out on its own.
sqs.purge_queue(QueueUrl=std)
record("counts_after_purge", counts(std))
sqs.send_message(QueueUrl=std, MessageBody="expires")
first = receive(std, VisibilityTimeout=1)
record("visibility_first", bodies(first))
record("visibility_hidden", bodies(receive(std)))
time.sleep(1.6)
again = receive(std, MessageSystemAttributeNames=["ApproximateReceiveCount"])
record("visibility_expired", [[m["Body"], m["Attributes"]["ApproximateReceiveCount"]] for m in again])
sqs.delete_message(QueueUrl=std, ReceiptHandle=again[0]["ReceiptHandle"])

# Long polling: an empty wait lasts, a send wakes a waiting receive.
t0 = time.monotonic()
record("long_poll_empty", bodies(receive(std, WaitTimeSeconds=1)))
record("long_poll_empty_waited", time.monotonic() - t0 >= 0.9)


def late_send():
    time.sleep(0.5)
    sqs.send_message(QueueUrl=std, MessageBody="wake up")


sender = threading.Thread(target=late_send)
t0 = time.monotonic()
sender.start()
woke = receive(std, WaitTimeSeconds=10)
elapsed = time.monotonic() - t0
sender.join(timeout=15)
record("long_poll_wakes", bodies(woke))
record("long_poll_woke_early", 0.3 <= elapsed < 5)
sqs.delete_message(QueueUrl=std, ReceiptHandle=woke[0]["ReceiptHandle"])

# Delay.
sqs.send_message(QueueUrl=std, MessageBody="delayed", DelaySeconds=1)
record("delay_counts", counts(std))
record("delay_hidden", bodies(receive(std)))
time.sleep(1.3)
d = receive(std)
record("delay_visible", bodies(d))
sqs.delete_message(QueueUrl=std, ReceiptHandle=d[0]["ReceiptHandle"])

# ---- FIFO: order per group, group blocking, deduplication

for body, group in [("m1", "g1"), ("m2", "g1"), ("m3", "g1"), ("n1", "g2"), ("m1", "g1")]:
    sqs.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId=group)
record("fifo_cbd_counts", counts(fifo))
r = receive(fifo, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"])
record("fifo_cbd_order", [[m["Body"], m["Attributes"].get("MessageGroupId"), m["Attributes"].get("MessageDeduplicationId")] for m in r])
record("fifo_cbd_all_in_flight", bodies(receive(fifo, MaxNumberOfMessages=10)))

sends = []
for body, group, dedup in [("a1", "ga", "d-a1"), ("a2", "ga", "d-a2"), ("b1", "gb", "d-b1"), ("a1 again", "ga", "d-a1")]:
    r = sqs.send_message(QueueUrl=fifo2, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=dedup)
    sends.append(r)
record("fifo_ids_sequence_numbers", [bool(r.get("SequenceNumber")) for r in sends])
record("fifo_ids_counts", counts(fifo2))
first = receive(fifo2, MaxNumberOfMessages=1)
record("fifo_group_head", bodies(first))
record("fifo_group_blocked", bodies(receive(fifo2, MaxNumberOfMessages=10)))
sqs.delete_message(QueueUrl=fifo2, ReceiptHandle=first[0]["ReceiptHandle"])
r = receive(fifo2, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"])
record("fifo_group_next", [[m["Body"], m["Attributes"]["MessageGroupId"], "SequenceNumber" in m["Attributes"]] for m in r])
record("fifo_missing_group", error_of(sqs.send_message, QueueUrl=fifo2, MessageBody="x", MessageDeduplicationId="d"))
record("fifo_missing_dedup", error_of(sqs.send_message, QueueUrl=fifo2, MessageBody="x", MessageGroupId="g"))
record("fifo_message_delay", error_of(sqs.send_message, QueueUrl=fifo2, MessageBody="x", MessageGroupId="g", DelaySeconds=5, MessageDeduplicationId="e"))

# ---- dead-letter redrive after maxReceiveCount (2)

sqs.send_message(QueueUrl=src, MessageBody="poison")
seen = []
for _ in range(3):
    seen.append(bodies(receive(src, VisibilityTimeout=0)))
record("redrive_receives", seen)
dead = receive(dlq, MessageSystemAttributeNames=["ApproximateReceiveCount"])
record("redrive_in_dlq", [[m["Body"], m["Attributes"]["ApproximateReceiveCount"]] for m in dead])
record("redrive_source_counts", counts(src))

# ---- purge and delete

sqs.send_message_batch(QueueUrl=dlq, Entries=[{"Id": "1", "MessageBody": "x"}, {"Id": "2", "MessageBody": "y"}])
sqs.purge_queue(QueueUrl=dlq)
record("purge_counts", counts(dlq))
sqs.delete_queue(QueueUrl=std)
record("deleted_get_url", error_of(sqs.get_queue_url, QueueName="conf-std"))
record("deleted_send", error_of(sqs.send_message, QueueUrl=std, MessageBody="x"))
record("deleted_receive", error_of(sqs.receive_message, QueueUrl=std))
record("deleted_attributes", error_of(sqs.get_queue_attributes, QueueUrl=std, AttributeNames=["All"]))
record("deleted_again", error_of(sqs.delete_queue, QueueUrl=std))
record("list_after_delete", sorted(norm(sqs.list_queues(QueueNamePrefix="conf-").get("QueueUrls", []))))

# ---- where moto is laxer than AWS (conformance.test.ts leaves these out of the comparison)

record("aws_control_character", error_of(sqs.send_message, QueueUrl=small, MessageBody="bell \x07"))
record("aws_empty_body", error_of(sqs.send_message, QueueUrl=small, MessageBody=""))
record("aws_size_in_bytes", error_of(sqs.send_message, QueueUrl=small, MessageBody="é" * 600))
record(
    "aws_size_counts_attributes",
    error_of(
        sqs.send_message,
        QueueUrl=small,
        MessageBody="s" * 1000,
        MessageAttributes={"pad": {"DataType": "String", "StringValue": "p" * 100}},
    ),
)
page = sqs.list_queues(QueueNamePrefix="conf-", MaxResults=2)
rest = sqs.list_queues(QueueNamePrefix="conf-", MaxResults=2, NextToken=page["NextToken"]) if "NextToken" in page else {}
record(
    "aws_list_pagination",
    {
        "first": sorted(norm(page.get("QueueUrls", []))),
        "has_token": "NextToken" in page,
        "second": sorted(norm(rest.get("QueueUrls", []))),
    },
)
record("aws_invalid_handle_status", error_of(sqs.delete_message, QueueUrl=small, ReceiptHandle="not-a-receipt-handle")["status"])
r = sqs.send_message(QueueUrl=fifo, MessageBody="cbd-seq", MessageGroupId="g3")
record("aws_fifo_cbd_sequence_number", bool(r.get("SequenceNumber")))
record(
    "aws_fifo_sequence_increasing",
    int(sends[0]["SequenceNumber"]) < int(sends[1]["SequenceNumber"]) < int(sends[2]["SequenceNumber"]),
)

json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
