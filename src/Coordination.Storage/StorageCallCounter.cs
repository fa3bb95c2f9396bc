using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage;

/// <summary>
/// Counts storage HTTP calls (each retry is a call) so tests and the benchmark can report
/// storage calls per operation deterministically.
/// </summary>
public sealed class StorageCallCounter
{
    private long _calls;

    /// <summary>Calls made so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    internal void Increment() => Interlocked.Increment(ref _calls);

    internal HttpPipelinePolicy CreatePolicy() => new CountingPolicy(this);

    private sealed class CountingPolicy(StorageCallCounter counter) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => counter.Increment();
    }
}
