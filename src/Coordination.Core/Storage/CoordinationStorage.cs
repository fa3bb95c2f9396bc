using Azure.Data.Tables;
using Azure.Storage.Queues;
using Coordination.Core.Configuration;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;

namespace Coordination.Core.Storage;

/// <summary>The table and queue this deployment uses, from the service clients registered once (<see cref="StorageRegistration"/>).</summary>
public sealed class CoordinationStorage(TableServiceClient tables, QueueServiceClient queues, CoordinationSettings settings)
{
    /// <summary>The one table holding every swarm's rows (PartitionKey = swarm).</summary>
    public TableStore Table { get; } = new(tables.GetTableClient(settings.TableName));

    /// <summary>The queue carrying coalesced wake-up messages.</summary>
    public StorageQueue WakeQueue { get; } = new(queues.GetQueueClient(settings.WakeQueueName));

    /// <summary>Any other queue of the account (a trigger's queue, its poison queue), on the same client and pipeline.</summary>
    public StorageQueue Queue(string name) => new(queues.GetQueueClient(name));

    /// <summary>Creates the table and queue when missing. Idempotent: safe on every start and on a schedule.</summary>
    public async Task<IReadOnlyList<string>> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var table = await Table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        var queue = await WakeQueue.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        return
        [
            $"table {Table.Name}: {(table ? "created" : "present")}",
            $"queue {WakeQueue.Name}: {(queue ? "created" : "present")}",
        ];
    }
}
