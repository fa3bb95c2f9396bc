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
    private long _calls;

    /// <summary>Creates a counter; register <see cref="Policy"/> once, per retry, on every client that should count.</summary>
    public StorageCallCounter() => Policy = new CountingPolicy(this);

    /// <summary>The pipeline policy that counts each attempt (a retry is a call).</summary>
    public HttpPipelinePolicy Policy { get; }

    /// <summary>Calls made so far by clients using this counter.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Starts counting the calls made by the current async flow until the scope is disposed.</summary>
    public static StorageCallScope BeginScope()
    {
        var scope = new StorageCallScope(CurrentScope.Value);
        CurrentScope.Value = scope;
        return scope;
    }

    internal void Increment()
    {
        Interlocked.Increment(ref _calls);
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
        public override void OnSendingRequest(HttpMessage message) => counter.Increment();
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
