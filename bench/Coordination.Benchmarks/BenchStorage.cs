using Azure.Data.Tables;
using Azure.Storage.Queues;
using Coordination.Storage;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;

namespace Coordination.Benchmarks;

/// <summary>Storage clients for the baselines and clean-up, with the app's client defaults (retry, policies).</summary>
internal static class BenchStorage
{
    public static TableStore Table(string connectionString, string name)
    {
        var options = new TableClientOptions();
        StorageClientDefaults.Apply(options);
        return new TableStore(new TableClient(connectionString, name, options));
    }

    public static StorageQueue Queue(string connectionString, string name)
    {
        var options = new QueueClientOptions();
        StorageClientDefaults.Apply(options);
        return new StorageQueue(new QueueClient(connectionString, name, options));
    }
}
