using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>What the test command (infra/test) provides: the Azurite it started and the repository root.</summary>
public static class TestEnvironment
{
    /// <summary>The Azurite connection string. A missing one fails the test: tests never skip silently.</summary>
    public static string StorageConnectionString =>
        Environment.GetEnvironmentVariable("COORDINATION_TEST_STORAGE")
        ?? throw new InvalidOperationException("COORDINATION_TEST_STORAGE is not set: run the suite with ./infra/test, which starts Azurite.");

    /// <summary>The parsed connection.</summary>
    public static StorageConnection Storage => StorageConnection.Parse(StorageConnectionString);

    /// <summary>
    /// The run's account reached through other endpoints (e.g. a <see cref="FaultProxy"/>); endpoints not given stay
    /// the run's. SharedKey signatures cover the path, not the host, so they stay valid through a proxy.
    /// </summary>
    public static StorageConnection StorageVia(Uri? tableEndpoint = null, Uri? queueEndpoint = null)
    {
        var storage = Storage;
        var account = storage.SharedKey?.AccountName ?? throw new InvalidOperationException("The run's storage connection has no shared key.");
        if (account != StorageConnection.DevelopmentAccountName)
        {
            throw new InvalidOperationException($"Expected the Azurite development account, got '{account}'.");
        }
        return StorageConnection.Parse(
            $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={StorageConnection.DevelopmentAccountKey};" +
            $"TableEndpoint={tableEndpoint ?? storage.TableEndpoint};QueueEndpoint={queueEndpoint ?? storage.QueueEndpoint}");
    }

    /// <summary>The repository root.</summary>
    public static string RepoRoot =>
        Environment.GetEnvironmentVariable("COORDINATION_REPO_ROOT") is { Length: > 0 } root
            ? root
            : FindUp(AppContext.BaseDirectory, "CoordinationFunctions.sln") ?? throw new InvalidOperationException("Cannot find the repository root.");

    /// <summary>A table name no other test uses.</summary>
    public static string UniqueTableName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..20];

    /// <summary>Creates a fresh table for one test class.</summary>
    public static async Task<TableStore> CreateTableAsync(StorageClientOptions? options = null)
    {
        var table = new TableStore(Storage, UniqueTableName(), options);
        await table.CreateAsync();
        return table;
    }

    private static string? FindUp(string start, string file)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, file)))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
