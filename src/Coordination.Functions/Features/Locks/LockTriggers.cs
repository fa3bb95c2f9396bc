using Coordination.Core.Locks;
using Coordination.Core.Swarms;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.Functions.Features.Locks;

/// <summary>
/// Timer: frees expired locks with their events, so waiters and the log learn of the expiry (a claim takes over an
/// expired lock at once anyway). Bounded work per run; a lock is freed no later than its expiry + the schedule period
/// (while under the bound).
/// </summary>
public sealed class SweepLocksTrigger(SwarmDirectory directory, LockCleanup locks) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "SweepLocks";

    /// <summary>Every 15 seconds.</summary>
    public const string Schedule = "*/15 * * * * *";

    /// <summary>Swarms visited per run.</summary>
    public const int MaxSwarmsPerRun = 500;

    /// <summary>Locks freed per swarm per run.</summary>
    public const int MaxLocksPerSwarm = 200;

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken)
    {
        var (swarms, freed) = await directory.SweepAsync(MaxSwarmsPerRun, (swarmId, ct) => locks.SweepExpiredAsync(swarmId, MaxLocksPerSwarm, ct), cancellationToken);
        return [$"sweep-locks: {swarms} swarms, {freed} expired locks freed"];
    }
}
