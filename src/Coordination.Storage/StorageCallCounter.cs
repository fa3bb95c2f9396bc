using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage;

/// <summary>
/// Counts storage HTTP calls (each retry is a call): in total, and per logical operation through
/// <see cref="BeginScope"/>, whose count follows the async flow of the code that opened it (work started with
/// suppressed execution-context flow, such as background sequencing, is not counted in the scope).
/// </summary>
public sealed class StorageCallCounter
{
    private static readonly AsyncLocal<StorageCallScope?> CurrentScope = new();
    private readonly long[] _byKind = new long[Enum.GetValues<StorageCallKind>().Length];
    private long _calls;

    /// <summary>Creates a counter; register <see cref="Policy"/> once, per retry, on every client that should count.</summary>
    public StorageCallCounter() => Policy = new CountingPolicy(this);

    /// <summary>The pipeline policy that counts each attempt (a retry is a call).</summary>
    public HttpPipelinePolicy Policy { get; }

    /// <summary>Calls made so far by clients using this counter.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// Calls made so far, background work included, by what they ask of the service: the benchmark reads these before and
    /// after a window to say where a scenario's calls go (on Azurite a query costs a scan of the whole table, a point read
    /// or a write does not).
    /// </summary>
    public IReadOnlyDictionary<StorageCallKind, long> CallsByKind() =>
        Enum.GetValues<StorageCallKind>().ToDictionary(kind => kind, kind => Interlocked.Read(ref _byKind[(int)kind]));

    /// <summary>Starts counting the calls made by the current async flow until the scope is disposed.</summary>
    public static StorageCallScope BeginScope()
    {
        var scope = new StorageCallScope(CurrentScope.Value);
        CurrentScope.Value = scope;
        return scope;
    }

    internal void Increment(StorageCallKind kind)
    {
        Interlocked.Increment(ref _calls);
        Interlocked.Increment(ref _byKind[(int)kind]);
        for (var scope = CurrentScope.Value; scope is not null; scope = scope.Parent)
        {
            scope.Increment();
        }
    }

    internal static void Restore(StorageCallScope? parent) => CurrentScope.Value = parent;

    /// <summary>Records a transaction or conditional write that lost a race (an ETag conflict or a concurrent insert).</summary>
    internal static void RecordConflict()
    {
        for (var scope = CurrentScope.Value; scope is not null; scope = scope.Parent)
        {
            scope.IncrementConflicts();
        }
    }

    private sealed class CountingPolicy(StorageCallCounter counter) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => counter.Increment(KindOf(message.Request));

        private static StorageCallKind KindOf(Request request)
        {
            var path = request.Uri.Path;
            if (path.EndsWith("/messages", StringComparison.Ordinal) || path.Contains("/messages/", StringComparison.Ordinal))
            {
                return StorageCallKind.Queue;
            }
            if (path.EndsWith("$batch", StringComparison.Ordinal))
            {
                return StorageCallKind.Transaction;
            }
            if (request.Method != RequestMethod.Get)
            {
                return StorageCallKind.Write;
            }
            // A point read names its keys in the path, Table(PartitionKey='…',RowKey='…'); a query ends in Table() or Tables.
            return path.EndsWith("')", StringComparison.Ordinal) ? StorageCallKind.PointRead : StorageCallKind.Query;
        }
    }
}

/// <summary>The storage calls of one logical operation (see <see cref="StorageCallCounter.BeginScope"/>).</summary>
public sealed class StorageCallScope : IDisposable
{
    private long _calls;
    private long _conflicts;

    internal StorageCallScope(StorageCallScope? parent) => Parent = parent;

    internal StorageCallScope? Parent { get; }

    /// <summary>Calls made in this scope so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Writes in this scope that lost a race (412, 409 on insert, or 404 on a transaction operation conditioned on an ETag) and were retried or given up.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    internal void Increment() => Interlocked.Increment(ref _calls);

    internal void IncrementConflicts() => Interlocked.Increment(ref _conflicts);

    /// <inheritdoc />
    public void Dispose() => StorageCallCounter.Restore(Parent);
}

/// <summary>What a storage call asks of the service, as <see cref="StorageCallCounter.CallsByKind"/> counts it.</summary>
public enum StorageCallKind
{
    /// <summary>A table query (a filter, or a list of tables).</summary>
    Query,

    /// <summary>A read of one entity by its keys.</summary>
    PointRead,

    /// <summary>An entity group transaction.</summary>
    Transaction,

    /// <summary>A single-entity insert, update, merge or delete, or a table create/delete.</summary>
    Write,

    /// <summary>A queue message call (put, get, update, delete).</summary>
    Queue,
}
