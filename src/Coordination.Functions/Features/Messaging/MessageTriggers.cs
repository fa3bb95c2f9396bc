using Coordination.Core.Messaging;
using Coordination.Core.Swarms;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.Functions.Features.Messaging;

/// <summary>
/// Timer: purges expired messages (inbox copies, message, index rows), at most <see cref="MaxMessagesPerSwarm"/> per
/// swarm and <see cref="MaxSwarmsPerRun"/> swarms per run; a backlog drains over the following runs. Expired messages
/// are already invisible before they are purged.
/// </summary>
public sealed class ApplyRetentionTrigger(SwarmDirectory directory, MessageRetention retention) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "ApplyRetention";

    /// <summary>Every 10 minutes, at second 40.</summary>
    public const string Schedule = "40 */10 * * * *";

    /// <summary>Swarms visited per run.</summary>
    public const int MaxSwarmsPerRun = 500;

    /// <summary>Expired messages purged per swarm per run.</summary>
    public const int MaxMessagesPerSwarm = 100;

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken)
    {
        var (swarms, purged) = await directory.SweepAsync(MaxSwarmsPerRun, (swarmId, ct) => retention.PurgeExpiredAsync(swarmId, MaxMessagesPerSwarm, ct), cancellationToken);
        return [$"retention: {swarms} swarms checked, {purged} expired messages purged"];
    }
}
