using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Faults;

/// <summary>
/// The table layer through a fault-injecting proxy in front of Azurite, with the app's retry policy: transient
/// failures are retried, a conditional write applies once, and a write whose response was lost is reported honestly
/// by its retry. Each test uses its own table.
/// </summary>
public sealed class TableFaultTests
{
    private static readonly FaultAction[] PreForwardFaults = [FaultAction.ServerBusy, FaultAction.DropBeforeForwarding, FaultAction.ServerBusy];

    [Fact]
    public async Task Point_reads_succeed_through_503s_and_connections_dropped_before_forwarding()
    {
        await using var setup = await FaultyTable.CreateAsync();
        await setup.Direct.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 7 });
        setup.Proxy.PlanSequence(Is("GET"), PreForwardFaults);

        var read = await setup.Faulty.GetEntityAsync("p", "r");

        Assert.Equal(7, read!.GetInt32("Counter"));
        Assert.Equal([.. PreForwardFaults, FaultAction.Forward], setup.Proxy.ExchangesFor("GET").Select(e => e.Action));
        Assert.Equal(4, setup.Calls.Calls);
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task Query_pages_after_the_first_are_retried_through_faults_and_the_query_stays_complete()
    {
        await using var setup = await FaultyTable.CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await setup.Direct.AddEntityAsync(new TableEntity("p", $"r{i}") { ["Index"] = i });
        }
        // Only continuation requests fail: the retry must re-send the continuation, not restart or skip.
        setup.Proxy.PlanSequence(r => r.Target.Contains("NextRowKey=", StringComparison.Ordinal), FaultAction.DropBeforeForwarding, FaultAction.ServerBusy);

        var rows = await setup.Faulty.QueryAsync(TableFilter.Partition("p"), maxPerPage: 1).ToListAsync();

        Assert.Equal(["r0", "r1", "r2"], rows.Select(r => r.RowKey));
        Assert.Equal([0, 1, 2], rows.Select(r => r.GetInt32("Index")!.Value));
        var faulted = setup.Proxy.Exchanges.Where(e => e.Action != FaultAction.Forward).ToList();
        Assert.Equal(2, faulted.Count);
        Assert.All(faulted, e => Assert.Contains("NextRowKey=", e.Target, StringComparison.Ordinal));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge, "PATCH")]
    [InlineData(TableUpdateMode.Replace, "PUT")]
    public async Task A_conditional_update_through_503s_and_dropped_connections_is_applied_exactly_once(TableUpdateMode mode, string method)
    {
        await using var setup = await FaultyTable.CreateAsync();
        await setup.Direct.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 1, ["Keep"] = "kept" });
        var current = (await setup.Direct.GetEntityAsync("p", "r"))!;
        setup.Proxy.PlanSequence(Is(method), PreForwardFaults);

        var result = await setup.Faulty.UpdateEntityAsync(new TableEntity("p", "r") { ["Counter"] = 2 }, current.ETag, mode);

        Assert.Equal(StorageOutcome.Succeeded, result.Outcome);
        var after = (await setup.Direct.GetEntityAsync("p", "r"))!;
        Assert.Equal(2, after.GetInt32("Counter"));
        Assert.Equal(mode == TableUpdateMode.Merge ? "kept" : null, after.GetString("Keep"));
        // The ETag the caller got is the row's current one: nothing wrote after the one applied update.
        Assert.Equal(after.ETag, result.ETag);
        AssertAppliedOnceAfter(setup.Proxy.ExchangesFor(method), 204);
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_conditional_delete_through_503s_and_dropped_connections_is_applied_exactly_once()
    {
        await using var setup = await FaultyTable.CreateAsync();
        var inserted = await setup.Direct.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 1 });
        setup.Proxy.PlanSequence(Is("DELETE"), PreForwardFaults);

        var result = await setup.Faulty.DeleteEntityAsync("p", "r", inserted.ETag);

        Assert.Equal(StorageOutcome.Succeeded, result.Outcome);
        Assert.Null(await setup.Direct.GetEntityAsync("p", "r"));
        AssertAppliedOnceAfter(setup.Proxy.ExchangesFor("DELETE"), 204);
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_transaction_through_503s_and_dropped_connections_is_applied_exactly_once()
    {
        await using var setup = await FaultyTable.CreateAsync();
        var a = await setup.Direct.AddEntityAsync(new TableEntity("p", "a") { ["Counter"] = 1 });
        var b = await setup.Direct.AddEntityAsync(new TableEntity("p", "b") { ["Counter"] = 1 });
        setup.Proxy.PlanSequence(IsBatch, PreForwardFaults);

        var result = await setup.Faulty.SubmitTransactionAsync(
        [
            TableActions.Merge(new TableEntity("p", "a") { ["Counter"] = 2 }, a.ETag),
            TableActions.Delete("p", "b", b.ETag),
            TableActions.Add(new TableEntity("p", "c") { ["Counter"] = 1 }),
        ]);

        Assert.True(result.Succeeded, $"Transaction failed at {result.FailedIndex} with {result.Outcome} {result.ErrorCode}.");
        var rows = await setup.PartitionAsync("p");
        Assert.Equal([("a", 2), ("c", 1)], rows.Select(r => (r.RowKey, r.GetInt32("Counter")!.Value)));
        Assert.Equal(rows[0].ETag, result.ETags[0]);
        AssertAppliedOnceAfter(setup.Proxy.ExchangesMatching(IsBatch), 202);
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task An_insert_whose_response_is_lost_after_it_was_applied_reports_already_exists_and_leaves_one_row()
    {
        await using var setup = await FaultyTable.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: IsInsert(setup.Direct.Name));

        var result = await setup.Faulty.AddEntityAsync(new TableEntity("p", "r") { ["Owner"] = "agent-1" });

        // The retry met the row its own first attempt wrote: honest but ambiguous, never an exception.
        Assert.Equal(StorageOutcome.AlreadyExists, result.Outcome);
        Assert.Equal("EntityAlreadyExists", result.ErrorCode);
        Assert.Equal("agent-1", Assert.Single(await setup.PartitionAsync("p")).GetString("Owner"));
        Assert.Equal([(FaultAction.DropAfterForwarding, (int?)204), (FaultAction.Forward, 409)], StatusesOf(setup.Proxy.ExchangesFor("POST")));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_transaction_of_inserts_whose_response_is_lost_reports_already_exists_at_index_0_and_leaves_each_row_once()
    {
        await using var setup = await FaultyTable.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: IsBatch);

        var result = await setup.Faulty.SubmitTransactionAsync(
            [.. Enumerable.Range(0, 3).Select(i => TableActions.Add(new TableEntity("p", $"r{i}") { ["Index"] = i }))]);

        Assert.Equal((false, 0, StorageOutcome.AlreadyExists, "EntityAlreadyExists"), (result.Succeeded, result.FailedIndex, result.Outcome, result.ErrorCode));
        var rows = await setup.PartitionAsync("p");
        Assert.Equal([("r0", 0), ("r1", 1), ("r2", 2)], rows.Select(r => (r.RowKey, r.GetInt32("Index")!.Value)));
        // A $batch answers 202 even when an operation in it failed.
        Assert.Equal([(FaultAction.DropAfterForwarding, (int?)202), (FaultAction.Forward, 202)], StatusesOf(setup.Proxy.ExchangesMatching(IsBatch)));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_conditional_update_whose_response_is_lost_reports_precondition_failed_although_it_was_applied()
    {
        // Pins the ambiguity callers must handle: the retry carries the old ETag, which the first (applied) attempt
        // has just replaced, so a lost response reads like a lost race. Re-read before concluding.
        await using var setup = await FaultyTable.CreateAsync();
        var inserted = await setup.Direct.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 1 });
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: Is("PATCH"));

        var result = await setup.Faulty.UpdateEntityAsync(new TableEntity("p", "r") { ["Counter"] = 2 }, inserted.ETag);

        Assert.Equal(StorageOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal(2, (await setup.Direct.GetEntityAsync("p", "r"))!.GetInt32("Counter"));
        Assert.Equal([(FaultAction.DropAfterForwarding, (int?)204), (FaultAction.Forward, 412)], StatusesOf(setup.Proxy.ExchangesFor("PATCH")));
    }

    [Fact]
    public async Task A_conditional_delete_whose_response_is_lost_reports_not_found_although_it_was_applied()
    {
        await using var setup = await FaultyTable.CreateAsync();
        var inserted = await setup.Direct.AddEntityAsync(new TableEntity("p", "r"));
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: Is("DELETE"));

        var result = await setup.Faulty.DeleteEntityAsync("p", "r", inserted.ETag);

        Assert.Equal(StorageOutcome.NotFound, result.Outcome);
        Assert.Null(await setup.Direct.GetEntityAsync("p", "r"));
        Assert.Equal([(FaultAction.DropAfterForwarding, (int?)204), (FaultAction.Forward, 404)], StatusesOf(setup.Proxy.ExchangesFor("DELETE")));
    }

    private static void AssertAppliedOnceAfter(IReadOnlyList<ProxiedExchange> exchanges, int status)
    {
        Assert.Equal([.. PreForwardFaults, FaultAction.Forward], exchanges.Select(e => e.Action));
        Assert.Equal([status], exchanges.Where(e => e.UpstreamStatus is not null).Select(e => e.UpstreamStatus!.Value));
    }

    private static IEnumerable<(FaultAction, int?)> StatusesOf(IEnumerable<ProxiedExchange> exchanges) => exchanges.Select(e => (e.Action, e.UpstreamStatus));

    private static Func<ProxiedRequest, bool> Is(string method) => r => string.Equals(r.Method, method, StringComparison.Ordinal);

    private static bool IsBatch(ProxiedRequest r) => r.Method == "POST" && PathOf(r).EndsWith("/$batch", StringComparison.Ordinal);

    private static Func<ProxiedRequest, bool> IsInsert(string table) => r => r.Method == "POST" && PathOf(r).EndsWith("/" + table, StringComparison.Ordinal);

    /// <summary>The target without its query (the SDK adds <c>$format</c> to table requests).</summary>
    private static string PathOf(ProxiedRequest r) => r.Target.Split('?')[0];
}
