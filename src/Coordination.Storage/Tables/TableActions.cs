using Azure;
using Azure.Data.Tables;

namespace Coordination.Storage.Tables;

/// <summary>The operations a transaction is built from, each stating its concurrency.</summary>
public static class TableActions
{
    /// <summary>Most operations one entity group transaction may hold.</summary>
    public const int MaxPerTransaction = 100;

    /// <summary>An insert; fails the transaction with AlreadyExists when the keys are taken.</summary>
    public static TableTransactionAction Add(TableEntity entity) => new(TableTransactionActionType.Add, entity);

    /// <summary>A delete conditional on <paramref name="ifMatch"/> (<see cref="ETag.All"/> for any version).</summary>
    public static TableTransactionAction Delete(string partitionKey, string rowKey, ETag ifMatch) =>
        new(TableTransactionActionType.Delete, new TableEntity(partitionKey, rowKey), Required(ifMatch));

    /// <summary>A replace conditional on <paramref name="ifMatch"/>.</summary>
    public static TableTransactionAction Replace(TableEntity entity, ETag ifMatch) => new(TableTransactionActionType.UpdateReplace, entity, Required(ifMatch));

    /// <summary>A merge conditional on <paramref name="ifMatch"/>.</summary>
    public static TableTransactionAction Merge(TableEntity entity, ETag ifMatch) => new(TableTransactionActionType.UpdateMerge, entity, Required(ifMatch));

    /// <summary>An unconditional insert-or-replace.</summary>
    public static TableTransactionAction UpsertReplace(TableEntity entity) => new(TableTransactionActionType.UpsertReplace, entity);

    /// <summary>An unconditional insert-or-merge.</summary>
    public static TableTransactionAction UpsertMerge(TableEntity entity) => new(TableTransactionActionType.UpsertMerge, entity);

    /// <summary>
    /// Refuses what the service would refuse or, worse, what Azurite would half-accept: no operations, more than
    /// <see cref="MaxPerTransaction"/>, more than one partition, or one row twice.
    /// </summary>
    /// <exception cref="ArgumentException">The transaction cannot be sent.</exception>
    public static void Validate(IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > MaxPerTransaction)
        {
            throw new ArgumentException($"A transaction holds 1 to {MaxPerTransaction} operations; this one has {actions.Count}.", nameof(actions));
        }
        var partition = actions[0].Entity.PartitionKey;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            if (!string.Equals(entity.PartitionKey, partition, StringComparison.Ordinal))
            {
                throw new ArgumentException($"A transaction stays in one partition: operation {i} is in '{entity.PartitionKey}', operation 0 in '{partition}'.", nameof(actions));
            }
            if (!rows.Add(entity.RowKey))
            {
                throw new ArgumentException($"A transaction names each row once: operation {i} repeats row '{entity.RowKey}'.", nameof(actions));
            }
        }
    }

    private static ETag Required(ETag ifMatch) =>
        ifMatch == default ? throw new ArgumentException("A conditional operation must state its concurrency: pass the ETag read, or ETag.All.", nameof(ifMatch)) : ifMatch;
}
