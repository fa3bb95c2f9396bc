using Coordination.Core.Events;
using Coordination.Core.Swarms;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.Functions.Features.Events;

/// <summary>
/// Queue trigger on the wake-up queue: sequences the named swarm and retries its real-time fan-out.
/// Idempotent: a wake-up for a swarm with nothing pending costs two reads (plus two with Web PubSub configured).
/// </summary>
public sealed class DispatchSwarmTrigger(EventSequencer sequencer, RealtimeFanOut fanOut) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "DispatchSwarm";

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken)
    {
        var swarmId = invocation.Payload is { } payload ? WakeUp.SwarmIdOf(payload) : null;
        if (swarmId is null)
        {
            return ["dispatch: message is not a wake-up; ignored"];
        }
        var appended = await sequencer.SequenceAsync(swarmId, cancellationToken);
        var published = await fanOut.DispatchAsync(swarmId, cancellationToken);
        return [$"dispatch {swarmId}: {appended} events sequenced, {published} published"];
    }
}

/// <summary>
/// Timer, the safety net: sequences every swarm (bounded per run) in case a process died between a commit
/// and its sequencing and the wake-up message was lost too; also retries real-time fan-out that failed.
/// </summary>
public sealed class SequenceOutboxTrigger(SwarmDirectory directory, EventSequencer sequencer, RealtimeFanOut fanOut) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "SequenceOutbox";

    /// <summary>Every minute, at second 20.</summary>
    public const string Schedule = "20 * * * * *";

    /// <summary>Swarms visited per run.</summary>
    public const int MaxSwarmsPerRun = 500;

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken)
    {
        var swarms = 0;
        var appended = 0;
        var published = 0;
        await foreach (var swarmId in directory.ListSwarmIdsAsync(MaxSwarmsPerRun, cancellationToken))
        {
            swarms++;
            appended += await sequencer.SequenceAsync(swarmId, cancellationToken);
            published += await fanOut.DispatchAsync(swarmId, cancellationToken);
        }
        return [$"sequence-outbox: {swarms} swarms checked, {appended} events sequenced, {published} published"];
    }
}

