using Coordination.Core.Configuration;
using Coordination.Storage;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;

namespace Coordination.Core.Storage;

/// <summary>The table and queues this deployment uses, built once from settings.</summary>
public sealed class CoordinationStorage
{
    /// <summary>Creates the clients.</summary>
    public CoordinationStorage(CoordinationSettings settings, StorageConnection connection, StorageClientOptions options)
    {
        Table = new TableStore(connection, settings.TableName, options);
        WakeQueue = new QueueClient(connection, settings.WakeQueueName, options);
        CallCounter = options.CallCounter;
    }

    /// <summary>The one table holding every swarm's rows (PartitionKey = swarm).</summary>
    public TableStore Table { get; }

    /// <summary>The queue carrying coalesced wake-up messages.</summary>
    public QueueClient WakeQueue { get; }

    /// <summary>Counts storage calls, when counting is on.</summary>
    public StorageCallCounter? CallCounter { get; }

    /// <summary>Creates the table and queues when missing. Idempotent: safe on every start and on a schedule.</summary>
    public async Task<IReadOnlyList<string>> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var table = await Table.CreateAsync(cancellationToken).ConfigureAwait(false);
        var queue = await WakeQueue.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        return
        [
            $"table {Table.Name}: {(table.Succeeded ? "created" : "present")}",
            $"queue {WakeQueue.Name}: {(queue.Succeeded ? "ready" : "present")}",
        ];
    }
}
