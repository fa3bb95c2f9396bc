using Coordination.Core.Swarms;
using Coordination.Core.Tasks;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.Functions.Features.Tasks;

/// <summary>
/// Timer: ends expired task leases (back to pending, or dead-lettered when out of attempts) with their events. A claimer
/// may take over an expired lease before this runs (work stealing). Bounded work per run; a lease ends no later than
/// its expiry + the schedule period (while under the bound).
/// </summary>
public sealed class SweepTaskLeasesTrigger(SwarmDirectory directory, TaskLeases leases) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "SweepTaskLeases";

    /// <summary>Every 15 seconds.</summary>
    public const string Schedule = "*/15 * * * * *";

    /// <summary>Swarms visited per run.</summary>
    public const int MaxSwarmsPerRun = 500;

    /// <summary>Leases ended per swarm per run.</summary>
    public const int MaxLeasesPerSwarm = 200;

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken)
    {
        var (swarms, expired) = await directory.SweepAsync(MaxSwarmsPerRun, (swarmId, ct) => leases.ExpireAsync(swarmId, MaxLeasesPerSwarm, ct), cancellationToken);
        return [$"sweep-task-leases: {swarms} swarms, {expired} expired task leases ended"];
    }
}
