// Shapes shared by the SQS client and the delivery engine (AWS JSON 1.0 field names).

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64 on the wire. */
  BinaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

/** One message as SendMessage / a SendMessageBatch entry takes it (QueueUrl and Id aside). */
export interface SendEntry {
  MessageBody: string;
  DelaySeconds?: number;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  MessageAttributes?: MessageAttributes;
}

export interface SendResult {
  MessageId: string;
  SequenceNumber?: string;
}
