using Azure.Data.Tables;
using Coordination.Storage.Tables;

namespace Coordination.Benchmarks;

/// <summary>
/// The table-as-queue a user could write in an afternoon with the official SDK, as a baseline for claim → complete
/// (issue 13): read the first page of pending rows, claim the first that a conditional merge wins (If-Match on the ETag
/// the query returned), then delete it with If-Match on completion. No outbox, no events, no lease expiry, no fencing,
/// no priorities beyond key order: the floor of the pattern, not a product.
/// </summary>
public static class NaiveTableQueue
{
    public const string Key = "table-queue-naive";
    public const string Title = "BASE naive table queue";

    /// <summary>How many pending rows one claim reads before trying them in order.</summary>
    private const int PageSize = 10;

    private const string Partition = "queue";

    public static async Task<RowResult> RunAsync(string connectionString, int clients, TimeSpan warmup, TimeSpan measure)
    {
        var table = BenchStorage.Table(connectionString, $"benchnaive{Guid.NewGuid():N}"[..24]);
        await table.CreateIfNotExistsAsync();
        try
        {
            // Sized for its window at its own rate: it did up to 457/s uncontended here, and drained 2,000 rows in a 5 s window.
            var prepared = Scenarios.PreparedTasks(clients, warmup + measure, perSecond: 800);
            foreach (var batch in Enumerable.Range(0, prepared).Chunk(100))
            {
                await table.SubmitTransactionAsync(batch.Select(n => TableActions.Add(new TableEntity(Partition, $"{n:D8}") { ["Status"] = "pending", ["Payload"] = "a small task" })).ToList());
            }
            var pending = $"PartitionKey eq '{Partition}' and Status eq 'pending'";
            var m = await LoadRunner.RunAsync(clients, warmup, measure, async (i, began, ct) =>
            {
                var calls = 0;
                var lost = 0;
                while (true)
                {
                    calls++;
                    var candidates = new List<TableEntity>(PageSize);
                    await foreach (var page in table.QueryAsync(pending, maxPerPage: PageSize, cancellationToken: ct).AsPages())
                    {
                        candidates.AddRange(page.Values);
                        break;
                    }
                    if (candidates.Count == 0)
                    {
                        return OpResult.Empty;
                    }
                    foreach (var candidate in candidates)
                    {
                        calls++;
                        var claimed = await table.UpdateEntityAsync(
                            new TableEntity(Partition, candidate.RowKey) { ["Status"] = "claimed", ["Owner"] = $"client-{i}" }, candidate.ETag, TableUpdateMode.Merge, ct);
                        if (!claimed.Succeeded)
                        {
                            lost++;
                            continue;
                        }
                        calls++;
                        var done = await table.DeleteEntityAsync(Partition, candidate.RowKey, claimed.ETag, ct);
                        return done.Succeeded ? OpResult.Success(LoadRunner.MsSince(began), calls, lost) : OpResult.Failure($"delete: {done.Outcome}");
                    }
                }
            });
            var row = RowResult.From(Key, Title, RowKind.Baseline, clients, m);
            row.Notes.Add($"Azure.Data.Tables: query the first {PageSize} pending rows, conditional merge in order, delete with If-Match; {prepared} rows at the start; 3 storage calls uncontended");
            if (m.Drained)
            {
                row.Notes.Add($"queue drained after {m.Seconds:0.0} s of the window");
            }
            return row;
        }
        finally
        {
            await table.DeleteIfExistsAsync();
        }
    }
}
