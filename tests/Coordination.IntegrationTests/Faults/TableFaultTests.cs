using System.Diagnostics;
using Azure;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Faults;

/// <summary>
/// The Table client through a fault-injecting proxy in front of Azurite: transient failures are retried,
/// conditional writes apply once, lost responses map to honest outcomes, and persistent throttling ends
/// bounded with <see cref="StorageThrottledException"/>. Each test uses its own table.
/// </summary>
public sealed class TableFaultTests
{
    private const int MaxRetries = 3;
    private static readonly FaultAction[] PreForwardFaults = [FaultAction.ServerBusy, FaultAction.DropBeforeForwarding, FaultAction.ServerBusy];

    [Fact]
    public async Task Point_reads_succeed_through_503s_and_connections_dropped_before_forwarding()
    {
        await using var setup = await FaultySetup.CreateAsync();
        await setup.Table.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 7 });
        setup.Proxy.PlanSequence(Is("GET"), PreForwardFaults);

        var read = await setup.Faulty.GetEntityAsync("p", "r");

        Assert.NotNull(read);
        Assert.Equal(7, read.GetInt32("Counter"));
        Assert.Equal([.. PreForwardFaults, FaultAction.Forward], setup.Proxy.ExchangesFor("GET").Select(e => e.Action));
        Assert.Equal(4, setup.Calls.Calls);
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task Query_pages_after_the_first_are_retried_through_faults_and_the_query_stays_complete()
    {
        await using var setup = await FaultySetup.CreateAsync();
        for (var i = 0; i < 3; i++)
        {
            await setup.Table.AddEntityAsync(new TableEntity("p", $"r{i}") { ["Index"] = i });
        }
        // Only continuation requests fail: the retry must re-send the continuation, not restart or skip.
        setup.Proxy.PlanSequence(r => r.Target.Contains("NextRowKey=", StringComparison.Ordinal), FaultAction.DropBeforeForwarding, FaultAction.ServerBusy);

        var rows = new List<TableEntity>();
        await foreach (var row in setup.Faulty.QueryAsync(TableFilter.Partition("p"), maxPerPage: 1))
        {
            rows.Add(row);
        }

        Assert.Equal(["r0", "r1", "r2"], rows.Select(r => r.RowKey));
        Assert.Equal([0, 1, 2], rows.Select(r => r.GetInt32("Index")!.Value));
        var faulted = setup.Proxy.Exchanges.Where(e => e.Action != FaultAction.Forward).ToList();
        Assert.Equal(2, faulted.Count);
        Assert.All(faulted, e => Assert.Contains("NextRowKey=", e.Target, StringComparison.Ordinal));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge, "MERGE")]
    [InlineData(TableUpdateMode.Replace, "PUT")]
    public async Task A_conditional_update_through_503s_and_dropped_connections_is_applied_exactly_once(TableUpdateMode mode, string method)
    {
        await using var setup = await FaultySetup.CreateAsync();
        await setup.Table.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 1, ["Keep"] = "kept" });
        var current = (await setup.Table.GetEntityAsync("p", "r"))!;
        setup.Proxy.PlanSequence(Is(method), PreForwardFaults);

        var next = new TableEntity("p", "r") { ["Counter"] = current.GetInt32("Counter")!.Value + 1 };
        var result = await setup.Faulty.UpdateEntityAsync(next, current.ETag, mode);

        Assert.Equal(StorageOutcome.Succeeded, result.Outcome);
        var after = (await setup.Table.GetEntityAsync("p", "r"))!;
        Assert.Equal(2, after.GetInt32("Counter"));
        Assert.Equal(mode == TableUpdateMode.Merge ? "kept" : null, after.GetString("Keep"));
        // The ETag the client got is the row's current one: nothing wrote after the one applied update.
        Assert.Equal(after.ETag, result.ETag);
        var exchanges = setup.Proxy.ExchangesFor(method);
        Assert.Equal([.. PreForwardFaults, FaultAction.Forward], exchanges.Select(e => e.Action));
        Assert.Equal([204], exchanges.Where(e => e.UpstreamStatus is not null).Select(e => e.UpstreamStatus!.Value));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_conditional_delete_through_503s_and_dropped_connections_is_applied_exactly_once()
    {
        await using var setup = await FaultySetup.CreateAsync();
        await setup.Table.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 1 });
        var current = (await setup.Table.GetEntityAsync("p", "r"))!;
        setup.Proxy.PlanSequence(Is("DELETE"), PreForwardFaults);

        var result = await setup.Faulty.DeleteEntityAsync("p", "r", current.ETag);

        Assert.Equal(StorageOutcome.Succeeded, result.Outcome);
        Assert.Null(await setup.Table.GetEntityAsync("p", "r"));
        var exchanges = setup.Proxy.ExchangesFor("DELETE");
        Assert.Equal([.. PreForwardFaults, FaultAction.Forward], exchanges.Select(e => e.Action));
        Assert.Equal([204], exchanges.Where(e => e.UpstreamStatus is not null).Select(e => e.UpstreamStatus!.Value));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_transaction_through_503s_and_dropped_connections_is_applied_exactly_once()
    {
        await using var setup = await FaultySetup.CreateAsync();
        await setup.Table.AddEntityAsync(new TableEntity("p", "a") { ["Counter"] = 1 });
        await setup.Table.AddEntityAsync(new TableEntity("p", "b") { ["Counter"] = 1 });
        var a = (await setup.Table.GetEntityAsync("p", "a"))!;
        var b = (await setup.Table.GetEntityAsync("p", "b"))!;
        setup.Proxy.PlanSequence(IsBatch, PreForwardFaults);

        var result = await setup.Faulty.SubmitTransactionAsync(
        [
            TableActions.Merge(new TableEntity("p", "a") { ["Counter"] = 2 }, a.ETag),
            TableActions.Delete("p", "b", b.ETag),
            TableActions.Add(new TableEntity("p", "c") { ["Counter"] = 1 }),
        ]);

        Assert.True(result.Succeeded, $"Transaction failed at {result.FailedIndex} with {result.Outcome} {result.ErrorCode}.");
        var afterA = (await setup.Table.GetEntityAsync("p", "a"))!;
        Assert.Equal(2, afterA.GetInt32("Counter"));
        Assert.Equal(afterA.ETag, result.ETags[0]);
        Assert.Null(await setup.Table.GetEntityAsync("p", "b"));
        Assert.Equal(1, (await setup.Table.GetEntityAsync("p", "c"))!.GetInt32("Counter"));
        var exchanges = setup.Proxy.ExchangesMatching(IsBatch);
        Assert.Equal([.. PreForwardFaults, FaultAction.Forward], exchanges.Select(e => e.Action));
        Assert.Equal([202], exchanges.Where(e => e.UpstreamStatus is not null).Select(e => e.UpstreamStatus!.Value));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task An_insert_whose_response_is_lost_after_it_was_applied_reports_already_exists_and_leaves_one_row()
    {
        await using var setup = await FaultySetup.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: IsInsert(setup.Table.Name));

        var result = await setup.Faulty.AddEntityAsync(new TableEntity("p", "r") { ["Owner"] = "agent-1" });

        // The retry met the row its own first attempt wrote: honest but ambiguous, never an exception.
        Assert.Equal(StorageOutcome.AlreadyExists, result.Outcome);
        Assert.Equal("EntityAlreadyExists", result.ErrorCode);
        var rows = await ReadPartitionAsync(setup.Table, "p");
        var row = Assert.Single(rows);
        Assert.Equal("agent-1", row.GetString("Owner"));
        Assert.Equal(
            [(FaultAction.DropAfterForwarding, (int?)204), (FaultAction.Forward, 409)],
            setup.Proxy.ExchangesFor("POST").Select(e => (e.Action, e.UpstreamStatus)));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_transaction_of_inserts_whose_response_is_lost_reports_already_exists_at_index_0_and_leaves_each_row_once()
    {
        await using var setup = await FaultySetup.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: IsBatch);

        var result = await setup.Faulty.SubmitTransactionAsync(
            [.. Enumerable.Range(0, 3).Select(i => TableActions.Add(new TableEntity("p", $"r{i}") { ["Index"] = i }))]);

        Assert.False(result.Succeeded);
        Assert.Equal(0, result.FailedIndex);
        Assert.Equal(StorageOutcome.AlreadyExists, result.Outcome);
        Assert.Equal("EntityAlreadyExists", result.ErrorCode);
        var rows = await ReadPartitionAsync(setup.Table, "p");
        Assert.Equal(["r0", "r1", "r2"], rows.Select(r => r.RowKey));
        Assert.Equal([0, 1, 2], rows.Select(r => r.GetInt32("Index")!.Value));
        Assert.Equal(
            [(FaultAction.DropAfterForwarding, (int?)202), (FaultAction.Forward, 202)],
            setup.Proxy.ExchangesMatching(IsBatch).Select(e => (e.Action, e.UpstreamStatus)));
        Assert.Empty(setup.Proxy.Errors);
    }

    [Fact]
    public async Task A_conditional_update_whose_response_is_lost_reports_precondition_failed_although_it_was_applied()
    {
        // Pins the ambiguity callers must handle: the retry carries the old ETag, which the first (applied)
        // attempt has just replaced, so a lost response reads like a lost race. Re-read before concluding.
        await using var setup = await FaultySetup.CreateAsync();
        await setup.Table.AddEntityAsync(new TableEntity("p", "r") { ["Counter"] = 1 });
        var current = (await setup.Table.GetEntityAsync("p", "r"))!;
        setup.Proxy.Plan(FaultAction.DropAfterForwarding, when: Is("MERGE"));

        var result = await setup.Faulty.UpdateEntityAsync(new TableEntity("p", "r") { ["Counter"] = 2 }, current.ETag);

        Assert.Equal(StorageOutcome.PreconditionFailed, result.Outcome);
        Assert.Equal(2, (await setup.Table.GetEntityAsync("p", "r"))!.GetInt32("Counter"));
        Assert.Equal(
            [(FaultAction.DropAfterForwarding, (int?)204), (FaultAction.Forward, 412)],
            setup.Proxy.ExchangesFor("MERGE").Select(e => (e.Action, e.UpstreamStatus)));
    }

    [Theory]
    [InlineData("read")]
    [InlineData("insert")]
    [InlineData("conditional update")]
    [InlineData("transaction")]
    public async Task Persistent_503s_end_in_StorageThrottledException_after_exactly_1_plus_MaxRetries_attempts(string operation)
    {
        await using var setup = await FaultySetup.CreateAsync();
        await setup.Table.AddEntityAsync(new TableEntity("p", "existing"));
        var existing = (await setup.Table.GetEntityAsync("p", "existing"))!;
        setup.Proxy.Plan(FaultAction.ServerBusy, times: int.MaxValue);
        Func<Task> act = operation switch
        {
            "read" => () => setup.Faulty.GetEntityAsync("p", "existing"),
            "insert" => () => setup.Faulty.AddEntityAsync(new TableEntity("p", "new")),
            "conditional update" => () => setup.Faulty.UpdateEntityAsync(new TableEntity("p", "existing") { ["X"] = 1 }, existing.ETag),
            _ => () => setup.Faulty.SubmitTransactionAsync([TableActions.Add(new TableEntity("p", "new"))]),
        };

        var clock = Stopwatch.StartNew();
        var thrown = await Assert.ThrowsAsync<StorageThrottledException>(act);
        clock.Stop();

        Assert.Equal(503, thrown.Status);
        Assert.Equal("ServerBusy", thrown.ErrorCode);
        Assert.Equal(1 + MaxRetries, setup.Proxy.Exchanges.Count);
        Assert.All(setup.Proxy.Exchanges, e => Assert.Equal(FaultAction.ServerBusy, e.Action));
        Assert.Equal(1 + MaxRetries, setup.Calls.Calls);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Giving up took {clock.Elapsed}; the retry bound should end it in well under a second.");
        Assert.Equal(["existing"], (await ReadPartitionAsync(setup.Table, "p")).Select(r => r.RowKey));
    }

    [Fact]
    public async Task Persistently_dropped_connections_end_in_a_status_0_request_failure_after_exactly_1_plus_MaxRetries_attempts()
    {
        await using var setup = await FaultySetup.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropBeforeForwarding, times: int.MaxValue);

        var clock = Stopwatch.StartNew();
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => setup.Faulty.GetEntityAsync("p", "r"));
        clock.Stop();

        // Status 0 is what the app maps to storage_unavailable; anything else would surface as a 500.
        var failure = Assert.IsType<RequestFailedException>(thrown);
        Assert.Equal(0, failure.Status);
        Assert.Equal(1 + MaxRetries, setup.Proxy.Exchanges.Count);
        Assert.Equal(1 + MaxRetries, setup.Calls.Calls);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Giving up took {clock.Elapsed}.");
    }

    internal static StorageClientOptions FastRetries(StorageCallCounter counter)
    {
        var options = new StorageClientOptions { CallCounter = counter };
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(5);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(20);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    private static Func<ProxiedRequest, bool> Is(string method) => r => string.Equals(r.Method, method, StringComparison.Ordinal);

    private static bool IsBatch(ProxiedRequest r) => r.Method == "POST" && r.Target.EndsWith("/$batch", StringComparison.Ordinal);

    private static Func<ProxiedRequest, bool> IsInsert(string table) => r => r.Method == "POST" && r.Target.EndsWith("/" + table, StringComparison.Ordinal);

    private static async Task<List<TableEntity>> ReadPartitionAsync(TableStore table, string partitionKey)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync(TableFilter.Partition(partitionKey)))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>A fresh table, a proxy in front of Azurite's table endpoint, and a client that goes through it.</summary>
    private sealed class FaultySetup : IAsyncDisposable
    {
        private FaultySetup(TableStore table, FaultProxy proxy, TableStore faulty, StorageCallCounter calls)
        {
            Table = table;
            Proxy = proxy;
            Faulty = faulty;
            Calls = calls;
        }

        /// <summary>Direct to Azurite: arranges and verifies.</summary>
        public TableStore Table { get; }

        public FaultProxy Proxy { get; }

        /// <summary>The same table through the proxy, with fast bounded retries.</summary>
        public TableStore Faulty { get; }

        /// <summary>Attempts the faulty client made, retries included.</summary>
        public StorageCallCounter Calls { get; }

        public static async Task<FaultySetup> CreateAsync()
        {
            var table = await TestEnvironment.CreateTableAsync();
            var proxy = FaultProxy.Start(TestEnvironment.Storage.TableEndpoint);
            var calls = new StorageCallCounter();
            var faulty = new TableStore(TestEnvironment.StorageVia(tableEndpoint: proxy.Endpoint), table.Name, FastRetries(calls));
            return new FaultySetup(table, proxy, faulty, calls);
        }

        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Table.DeleteAsync();
        }
    }
}
