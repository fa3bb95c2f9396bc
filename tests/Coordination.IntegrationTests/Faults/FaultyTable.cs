using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Faults;

/// <summary>A fresh table, a fault proxy in front of Azurite's table endpoint, and the same table reached through it.</summary>
public sealed class FaultyTable : IAsyncDisposable
{
    private FaultyTable(TableStore direct, FaultProxy proxy, TableStore faulty, StorageCallCounter calls)
    {
        Direct = direct;
        Proxy = proxy;
        Faulty = faulty;
        Calls = calls;
    }

    /// <summary>Retries after the first attempt, as the app's clients make them (<see cref="StorageClientDefaults"/>).</summary>
    public static int MaxRetries { get; } = TestEnvironment.TableOptions().Retry.MaxRetries;

    /// <summary>Direct to Azurite: arranges and verifies.</summary>
    public TableStore Direct { get; }

    /// <summary>The proxy between <see cref="Faulty"/> and Azurite.</summary>
    public FaultProxy Proxy { get; }

    /// <summary>The same table through the proxy, with the app's retry policy.</summary>
    public TableStore Faulty { get; }

    /// <summary>Attempts <see cref="Faulty"/> made, retries included.</summary>
    public StorageCallCounter Calls { get; }

    /// <summary>Creates the table and starts the proxy.</summary>
    public static async Task<FaultyTable> CreateAsync()
    {
        var direct = await TestEnvironment.CreateTableAsync();
        var proxy = FaultProxy.Start(TestEnvironment.TableEndpoint);
        var calls = new StorageCallCounter();
        var faulty = TestEnvironment.Table(direct.Name, calls, TestEnvironment.ConnectionStringVia(tableEndpoint: proxy.Endpoint));
        return new FaultyTable(direct, proxy, faulty, calls);
    }

    /// <summary>The rows of one partition, read directly.</summary>
    public Task<List<Azure.Data.Tables.TableEntity>> PartitionAsync(string partitionKey) =>
        Direct.QueryAsync(TableFilter.Partition(partitionKey)).ToListAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Direct.DeleteIfExistsAsync();
    }
}
