using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage;

/// <summary>
/// Turns "every attempt failed to reach the service" into one <see cref="RequestFailedException"/> with status 0.
/// </summary>
/// <remarks>
/// When more than one attempt ends in a transport exception, Azure.Core's retry policy throws an
/// <see cref="AggregateException"/> ("Retry failed after N tries"), not a <see cref="RequestFailedException"/>;
/// only a single failed attempt comes out as one. Callers (the app's problem mapping) recognise an unreachable
/// store as <c>RequestFailedException { Status: 0 }</c>, so the aggregate would otherwise leave as a 500.
/// Runs per call, outside the retry policy, so it sees what the retries gave up with.
/// </remarks>
internal sealed class UnreachablePolicy : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (AggregateException e) when (IsTransportFailure(e))
        {
            throw Unreachable(e);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (AggregateException e) when (IsTransportFailure(e))
        {
            throw Unreachable(e);
        }
    }

    /// <summary>Only failures to get any response (connection refused/reset, network timeout); anything else stays as thrown.</summary>
    private static bool IsTransportFailure(AggregateException e) =>
        e.InnerExceptions.Count > 0 &&
        e.InnerExceptions.All(inner => inner is RequestFailedException { Status: 0 } or IOException or OperationCanceledException);

    private static RequestFailedException Unreachable(AggregateException e) =>
        new(0, $"Storage could not be reached in {e.InnerExceptions.Count} attempts: {e.InnerExceptions[^1].Message}", null, e);
}
