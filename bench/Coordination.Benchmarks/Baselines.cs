using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Benchmarks;

/// <summary>The floors measured in the same run on the same Azurite.</summary>
public static class Baselines
{
    public const string RawTableKey = "raw-table-write";
    public const string RawTableTitle = "BASE raw Table write";
    public const string RawTransactionKey = "raw-table-transaction";
    public const string RawTransactionTitle = "BASE raw Table txn (2 rows)";
    public const string QueueKey = "storage-queue-receive-delete";
    public const string QueueTitle = "BASE Storage Queue recv → del";

    /// <summary>Messages per queue-baseline round (the queue never holds more: Azurite's queue slows with its size).</summary>
    public const int QueueBatch = 100;

    /// <summary>
    /// One raw Table point write round trip through the official TableClient (behind our thin TableStore): every client upserts (replace) its own small
    /// entity. The physical floor for one storage call here.
    /// </summary>
    public static async Task<RowResult> RawTableWriteAsync(string connectionString, int clients, TimeSpan warmup, TimeSpan measure, string title = RawTableTitle)
    {
        var table = BenchStorage.Table(connectionString, $"benchraw{Guid.NewGuid():N}"[..24]);
        await table.CreateIfNotExistsAsync();
        try
        {
            var counters = new long[clients];
            var m = await LoadRunner.RunAsync(clients, warmup, measure, async (i, began, ct) =>
            {
                var entity = new TableEntity("raw", $"client-{i}") { ["N"] = ++counters[i], ["Text"] = "a small entity" };
                var result = await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct);
                return result.Succeeded ? OpResult.Success(LoadRunner.MsSince(began), 1, 0) : OpResult.Failure($"upsert: {result.Outcome}");
            });
            var row = RowResult.From(RawTableKey, title, RowKind.Baseline, clients, m, reportsConflicts: false);
            row.Notes.Add("Azure.Data.Tables TableClient (through TableStore), upsert (replace) of one small entity per client; 1 storage call");
            return row;
        }
        finally
        {
            await table.DeleteIfExistsAsync();
        }
    }

    /// <summary>
    /// For reading the table, not a target: one entity group transaction of two upserts (the shape of the app's
    /// cheapest write, a row plus its outbox row) in each client's own partition.
    /// </summary>
    public static async Task<RowResult> RawTransactionAsync(string connectionString, int clients, TimeSpan warmup, TimeSpan measure)
    {
        var table = BenchStorage.Table(connectionString, $"benchtxn{Guid.NewGuid():N}"[..24]);
        await table.CreateIfNotExistsAsync();
        try
        {
            var counters = new long[clients];
            var m = await LoadRunner.RunAsync(clients, warmup, measure, async (i, began, ct) =>
            {
                var n = ++counters[i];
                var actions = new[]
                {
                    TableActions.UpsertReplace(new TableEntity($"p{i}", "row") { ["N"] = n, ["Text"] = "a small entity" }),
                    TableActions.UpsertReplace(new TableEntity($"p{i}", "outbox") { ["N"] = n }),
                };
                var result = await table.SubmitTransactionAsync(actions, ct);
                return result.Succeeded ? OpResult.Success(LoadRunner.MsSince(began), 1, 0) : OpResult.Failure($"transaction: {result.Outcome}");
            });
            var row = RowResult.From(RawTransactionKey, RawTransactionTitle, RowKind.Baseline, clients, m, reportsConflicts: false);
            row.Notes.Add("for reference: one $batch of two upserts per client partition; 1 storage call");
            return row;
        }
        finally
        {
            await table.DeleteIfExistsAsync();
        }
    }

    /// <summary>A single receive → delete slower than this means Azurite stalled (its queue garbage collection).</summary>
    public static readonly TimeSpan QueueStall = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The queue baseline, run again once when Azurite stalled during it: its queue garbage collection (every 60 s,
    /// sweeping what earlier rounds deleted) can freeze it for seconds, an emulator artifact that says nothing about
    /// the pattern. The collection then sleeps for a minute, so the second attempt normally runs clean.
    /// </summary>
    public static async Task<RowResult> StorageQueueAsync(string repoRoot, string connectionString, int clients, TimeSpan warmup, TimeSpan measure, Func<TimeSpan> timeLeft)
    {
        var first = await StorageQueueOnceAsync(repoRoot, connectionString, clients, warmup, measure, timeLeft());
        if (first.Skipped || first.MaxMs is not { } max || max < QueueStall.TotalMilliseconds)
        {
            return first;
        }
        if (timeLeft() < 2 * (warmup + measure) + TimeSpan.FromSeconds(10))
        {
            first.Notes.Add($"stalled {max / 1000:0.0} s (Azurite queue GC); no time left to run it again");
            return first;
        }
        var second = await StorageQueueOnceAsync(repoRoot, connectionString, clients, warmup, measure, timeLeft());
        var kept = second.Skipped || (second.MaxMs ?? 0) >= max ? first : second;
        kept.Notes.Add(kept == second
            ? $"re-run: the first attempt stalled {max / 1000:0.0} s (Azurite queue GC)"
            : $"stalled {max / 1000:0.0} s (Azurite queue GC), and so did a re-run");
        return kept;
    }

    private static async Task<RowResult> StorageQueueOnceAsync(string repoRoot, string connectionString, int clients, TimeSpan warmup, TimeSpan measure, TimeSpan timeLeft)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = repoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(repoRoot, "bench", "queue-baseline.mjs"));
        start.ArgumentList.Add(clients.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(QueueBatch.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(warmup.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(measure.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        start.Environment["BENCH_STORAGE"] = connectionString;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var allowed = TimeSpan.FromSeconds(3 * (warmup + measure).TotalSeconds + 60);
        using var limit = new CancellationTokenSource(timeLeft < allowed ? (timeLeft > TimeSpan.FromSeconds(5) ? timeLeft : TimeSpan.FromSeconds(5)) : allowed);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return RowResult.Skip(QueueKey, QueueTitle, RowKind.Baseline, clients, "node queue-baseline.mjs did not finish in time");
        }
        if (process.ExitCode != 0)
        {
            return RowResult.Skip(QueueKey, QueueTitle, RowKind.Baseline, clients, $"node queue-baseline.mjs failed: {(await stderr).Trim()}");
        }
        var json = JsonNode.Parse((await stdout).Trim().Split('\n')[^1])!;
        double? Number(string name) => json[name] is JsonValue v ? v.GetValue<double>() : null;
        var row = new RowResult
        {
            Key = QueueKey,
            Title = QueueTitle,
            Kind = RowKind.Baseline,
            Clients = clients,
            Ops = (int)Number("ops")!.Value,
            Seconds = Math.Round(Number("seconds") ?? 0, 3),
            OpsPerSec = Number("opsPerSec") ?? 0,
            P50 = Number("p50"),
            P95 = Number("p95"),
            P99 = Number("p99"),
            CallsPerOp = 2,
            Errors = (int)(Number("errors") ?? 0),
            MaxMs = Number("maxMs"),
        };
        row.Notes.Add($"@azure/storage-queue; rounds of {QueueBatch} messages ({Number("messages"):0} in all); 2 storage calls");
        return row;
    }
}
