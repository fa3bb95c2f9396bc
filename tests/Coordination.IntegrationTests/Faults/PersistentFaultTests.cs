using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Faults;

/// <summary>
/// Faults that outlast the app's retry policy end bounded, in the exception the app maps to a problem: throttling in
/// <see cref="StorageThrottledException"/> (503 <c>storage_throttled</c> with Retry-After), no response at all in
/// <see cref="StorageUnavailableException"/> (503 <c>storage_unavailable</c>), never a raw SDK exception (a 500).
/// </summary>
public sealed class PersistentFaultTests
{
    private static readonly int Attempts = 1 + FaultyTable.MaxRetries;

    // 0.1 + 0.2 + 0.4 + 0.8 s of backoff (±20 %) plus the attempts: far below this unless retries go unbounded.
    private static readonly TimeSpan GiveUpBound = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Operations => new() { "read", "query", "insert", "conditional update", "delete", "transaction" };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Persistent_503s_end_in_StorageThrottledException_after_exactly_1_plus_MaxRetries_attempts(string operation)
    {
        await using var setup = await FaultyTable.CreateAsync();
        var existing = await setup.Direct.AddEntityAsync(new TableEntity("p", "existing"));
        setup.Proxy.Plan(FaultAction.ServerBusy, times: int.MaxValue);

        var clock = Stopwatch.StartNew();
        var thrown = await Assert.ThrowsAsync<StorageThrottledException>(() => RunAsync(setup.Faulty, operation, existing.ETag));
        clock.Stop();

        Assert.Equal(503, Assert.IsType<RequestFailedException>(thrown.InnerException, exactMatch: false).Status);
        Assert.Equal(TimeSpan.FromSeconds(1), thrown.RetryAfter);
        Assert.Equal(Attempts, setup.Proxy.Exchanges.Count);
        Assert.All(setup.Proxy.Exchanges, e => Assert.Equal(FaultAction.ServerBusy, e.Action));
        Assert.Equal(Attempts, setup.Calls.Calls);
        Assert.True(clock.Elapsed < GiveUpBound, $"Giving up took {clock.Elapsed}.");
        Assert.Equal(["existing"], (await setup.PartitionAsync("p")).Select(r => r.RowKey));
    }

    [Fact]
    public async Task Persistent_throttling_ends_with_the_services_Retry_After()
    {
        await using var setup = await FaultyTable.CreateAsync();
        setup.Proxy.RetryAfterSeconds = 7;
        setup.Proxy.Plan(FaultAction.ServerBusy, times: int.MaxValue);

        var thrown = await Assert.ThrowsAsync<StorageThrottledException>(() => setup.Faulty.GetEntityAsync("p", "r"));

        Assert.Equal(TimeSpan.FromSeconds(7), thrown.RetryAfter);
        Assert.Equal(Attempts, setup.Calls.Calls);
    }

    [Fact]
    public async Task Persistently_dropped_connections_end_in_StorageUnavailableException_after_exactly_1_plus_MaxRetries_attempts()
    {
        await using var setup = await FaultyTable.CreateAsync();
        setup.Proxy.Plan(FaultAction.DropBeforeForwarding, times: int.MaxValue);

        var clock = Stopwatch.StartNew();
        var thrown = await Assert.ThrowsAsync<StorageUnavailableException>(() => setup.Faulty.GetEntityAsync("p", "r"));
        clock.Stop();

        Assert.Contains($"Storage could not be reached in {Attempts} attempts", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(Attempts, setup.Proxy.Exchanges.Count);
        Assert.Equal(Attempts, setup.Calls.Calls);
        Assert.True(clock.Elapsed < GiveUpBound, $"Giving up took {clock.Elapsed}.");
    }

    [Fact]
    public async Task An_unreachable_table_endpoint_is_StorageUnavailableException_naming_the_attempts()
    {
        var calls = new StorageCallCounter();
        var table = TestEnvironment.Table("unreachable", calls, TestEnvironment.ConnectionStringVia(tableEndpoint: ClosedEndpoint()));

        var thrown = await Assert.ThrowsAsync<StorageUnavailableException>(() => table.CreateIfNotExistsAsync());

        Assert.Contains($"Storage could not be reached in {Attempts} attempts", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(Attempts, calls.Calls);
    }

    [Fact]
    public async Task An_unreachable_queue_endpoint_is_StorageUnavailableException_naming_the_attempts()
    {
        var calls = new StorageCallCounter();
        var queue = TestEnvironment.Queue("unreachable", calls, TestEnvironment.ConnectionStringVia(queueEndpoint: ClosedEndpoint()));

        var thrown = await Assert.ThrowsAsync<StorageUnavailableException>(() => queue.SendAsync("wake"));

        Assert.Contains($"Storage could not be reached in {Attempts} attempts", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(Attempts, calls.Calls);
    }

    private static Task RunAsync(TableStore table, string operation, ETag existing) => operation switch
    {
        "read" => table.GetEntityAsync("p", "existing"),
        "query" => table.QueryAsync(TableFilter.Partition("p")).ToListAsync(),
        "insert" => table.AddEntityAsync(new TableEntity("p", "new")),
        "conditional update" => table.UpdateEntityAsync(new TableEntity("p", "existing") { ["X"] = 1 }, existing),
        "delete" => table.DeleteEntityAsync("p", "existing", existing),
        _ => table.SubmitTransactionAsync([TableActions.Add(new TableEntity("p", "new"))]),
    };

    /// <summary>An endpoint on a loopback port nothing listens on (bound, then released): connections are refused at once.</summary>
    private static Uri ClosedEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/{TestEnvironment.DevelopmentAccountName}");
    }
}
