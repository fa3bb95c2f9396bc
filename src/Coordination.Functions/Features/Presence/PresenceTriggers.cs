using Coordination.Core.Presence;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.Functions.Features.Presence;

/// <summary>Timer: logs offline/online transitions.</summary>
public sealed class SweepPresenceTrigger(PresenceService presence) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "SweepPresence";

    /// <summary>Every 30 seconds: offline is reported within TTL + 30 s.</summary>
    public const string Schedule = "*/30 * * * * *";

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken) =>
        presence.SweepAsync(cancellationToken);
}
