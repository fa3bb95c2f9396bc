using Azure.Data.Tables;
using Azure.Storage.Queues;
using Coordination.Core.Storage;
using Coordination.Storage;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>What the test command (infra/test) provides: the Azurite it started and the repository root.</summary>
public static class TestEnvironment
{
    /// <summary>The Azurite connection string. A missing one fails the test: tests never skip silently.</summary>
    public static string StorageConnectionString =>
        Environment.GetEnvironmentVariable("COORDINATION_TEST_STORAGE")
        ?? throw new InvalidOperationException("COORDINATION_TEST_STORAGE is not set: run the suite with ./infra/test, which starts Azurite.");

    /// <summary>The run's Table service endpoint (path-style on Azurite: it ends with the account name).</summary>
    public static Uri TableEndpoint => new TableServiceClient(StorageConnectionString).Uri;

    /// <summary>The run's Queue service endpoint.</summary>
    public static Uri QueueEndpoint => new QueueServiceClient(StorageConnectionString).Uri;

    /// <summary>
    /// The run's account reached through other endpoints (e.g. a <see cref="FaultProxy"/>); endpoints not given stay the
    /// run's. SharedKey signatures cover the path, not the host, so they stay valid through a proxy.
    /// </summary>
    public static string ConnectionStringVia(Uri? tableEndpoint = null, Uri? queueEndpoint = null) =>
        $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccountName};AccountKey={DevelopmentAccountKey};" +
        $"TableEndpoint={tableEndpoint ?? TableEndpoint};QueueEndpoint={queueEndpoint ?? QueueEndpoint}";

    /// <summary>The Azurite well-known development account (public, documented by Microsoft).</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The Azurite well-known development account key (public, documented by Microsoft).</summary>
    public const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Table client options as the app's: the shared retry and policies, counting into <paramref name="counter"/>.</summary>
    public static TableClientOptions TableOptions(StorageCallCounter? counter = null)
    {
        var options = new TableClientOptions();
        StorageClientDefaults.Apply(options, counter);
        return options;
    }

    /// <summary>Queue client options as the app's: base64 text, the pinned service version, the shared policies.</summary>
    public static QueueClientOptions QueueOptions(StorageCallCounter? counter = null)
    {
        var options = new QueueClientOptions(StorageRegistration.QueueServiceVersion) { MessageEncoding = QueueMessageEncoding.Base64 };
        StorageClientDefaults.Apply(options, counter);
        return options;
    }

    /// <summary>One table of the run's account (not created).</summary>
    public static TableStore Table(string name, StorageCallCounter? counter = null, string? connectionString = null) =>
        new(new TableClient(connectionString ?? StorageConnectionString, name, TableOptions(counter)));

    /// <summary>One queue of the run's account (not created).</summary>
    public static StorageQueue Queue(string name, StorageCallCounter? counter = null, string? connectionString = null) =>
        new(new QueueClient(connectionString ?? StorageConnectionString, name, QueueOptions(counter)));

    /// <summary>The repository root.</summary>
    public static string RepoRoot =>
        Environment.GetEnvironmentVariable("COORDINATION_REPO_ROOT") is { Length: > 0 } root
            ? root
            : FindUp(AppContext.BaseDirectory, "CoordinationFunctions.sln") ?? throw new InvalidOperationException("Cannot find the repository root.");

    /// <summary>A table name no other test uses.</summary>
    public static string UniqueTableName(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..20];

    /// <summary>Creates a fresh table for one test class.</summary>
    public static async Task<TableStore> CreateTableAsync(StorageCallCounter? counter = null)
    {
        var table = Table(UniqueTableName(), counter);
        await table.CreateIfNotExistsAsync();
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
