// Delivery counters and latency percentiles.
/** @jsxImportSource @kitajs/html */
import type { DeliveryStats } from "../delivery/types";
import { Layout } from "./layout";

export function StatsPage({ stats }: { stats: DeliveryStats }) {
  const rows: Array<[string, string]> = [
    ["accepted", String(stats.accepted)],
    ["sent", String(stats.sent)],
    ["retried", String(stats.retried)],
    ["dead", String(stats.dead)],
    ["pending", String(stats.pending)],
    ["pending held in memory", String(stats.inMemory)],
    ["in flight", String(stats.inflight)],
    ["upstream requests", String(stats.upstreamRequests)],
    ["average batch size", String(stats.averageBatchSize)],
    ["ack latency ms p50 / p90 / p99", `${stats.ackLatencyMs.p50} / ${stats.ackLatencyMs.p90} / ${stats.ackLatencyMs.p99}`],
    [
      "delivery latency ms p50 / p90 / p99",
      `${stats.deliveryLatencyMs.p50} / ${stats.deliveryLatencyMs.p90} / ${stats.deliveryLatencyMs.p99}`,
    ],
  ];
  return (
    <Layout title="Stats">
      <h1>Stats</h1>
      <table id="stats">
        <tbody>
          {rows.map(([k, v]) => (
            <tr>
              <th safe>{k}</th>
              <td safe>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
