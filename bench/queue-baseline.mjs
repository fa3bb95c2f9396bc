// Baseline for the benchmark: the plain Azure Storage Queue pattern a user might pick instead of our task
// queue, via the official @azure/storage-queue package: receive one message with a visibility timeout, then
// delete it. Driven by bench/Coordination.Benchmarks (not a test).
//
// Usage: BENCH_STORAGE=<connection string> node queue-baseline.mjs <concurrency> <batch> <warmupSeconds> <measureSeconds>
//   The connection string comes from the environment, never from the command line.
//   Creates a fresh queue and works in rounds: fill it with <batch> messages (not timed), then <concurrency>
//   workers do receive(visibilityTimeout 30 s) -> delete until it is empty (timed). Rounds go on until warmup
//   + measure seconds of timed work have passed; the warmup rounds are not counted. Small rounds on purpose:
//   Azurite's queue calls get slower with every message the queue holds (see the architecture notes), so a big
//   backlog would make this baseline slower and flatter our numbers. Deletes the queue at the end and prints one
//   JSON object: { concurrency, batch, rounds, messages, ops, seconds, opsPerSec, p50, p95, p99, maxMs, errors }, where
//   latency is receive start -> delete done in milliseconds. Bounded: stops after the time is up whatever happens.
import { QueueServiceClient } from "@azure/storage-queue";
import { randomBytes } from "node:crypto";

const [concurrencyArg, batchArg, warmupArg, measureArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const batch = Number(batchArg);
const warmupMs = Number(warmupArg) * 1000;
const measureMs = Number(measureArg) * 1000;
const connectionString = process.env.BENCH_STORAGE;
if (!connectionString || !(concurrency > 0) || !(batch > 0) || !(warmupMs >= 0) || !(measureMs > 0)) {
  console.error("usage: BENCH_STORAGE=<connection string> node queue-baseline.mjs <concurrency> <batch> <warmupSeconds> <measureSeconds>");
  process.exit(2);
}

const service = QueueServiceClient.fromConnectionString(connectionString);
const queue = service.getQueueClient(`bench-baseline-${concurrency}-${randomBytes(4).toString("hex")}`);
const now = () => performance.now();
const MaxRounds = 200;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

async function fill(count) {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      next++;
      await queue.sendMessage(`work item ${next}`);
    }
  }));
}

// One round: workers drain the queue; returns the round's timed length and each cycle's latency.
async function drain(deadline) {
  const latencies = [];
  let errors = 0;
  const began = now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (now() < deadline) {
      const start = now();
      try {
        const received = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 30 });
        const message = received.receivedMessageItems[0];
        if (!message) break;
        await queue.deleteMessage(message.messageId, message.popReceipt);
        latencies.push(now() - start);
      } catch (error) {
        errors++;
        if (errors > 100) throw error;
      }
    }
  }));
  return { elapsed: now() - began, latencies, errors };
}

async function main() {
  await queue.create();
  try {
    let timed = 0, seconds = 0, rounds = 0, messages = 0, errors = 0;
    const latencies = [];
    const hardStop = now() + 3 * (warmupMs + measureMs) + 30_000;
    while (timed < warmupMs + measureMs && rounds < MaxRounds && now() < hardStop) {
      await fill(batch);
      messages += batch;
      rounds++;
      const counted = timed >= warmupMs;
      const round = await drain(hardStop);
      timed += round.elapsed;
      errors += round.errors;
      if (counted) {
        seconds += round.elapsed / 1000;
        latencies.push(...round.latencies);
      }
    }
    latencies.sort((a, b) => a - b);
    console.log(JSON.stringify({
      concurrency, batch, rounds, messages, ops: latencies.length, seconds,
      opsPerSec: seconds > 0 ? latencies.length / seconds : 0,
      p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99),
      maxMs: latencies.length > 0 ? latencies[latencies.length - 1] : null, errors,
    }));
  } finally {
    await queue.delete().catch(() => {});
  }
}

main().catch((error) => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});
