// A sender thread that takes every request and never answers: WorkerSender must notice and replace it.
declare const self: Worker;
self.onmessage = () => {};

export {};
