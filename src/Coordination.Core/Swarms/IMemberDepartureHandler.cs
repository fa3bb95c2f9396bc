using Coordination.Core.Identity;

namespace Coordination.Core.Swarms;

/// <summary>
/// Something a member holds that must be given back when it leaves or is removed (locks, task leases,
/// assignments). Handlers run before the membership row goes, each in its own transactions with its own
/// events, and must be idempotent: a removal that fails half-way is retried by the caller.
/// </summary>
public interface IMemberDepartureHandler
{
    /// <summary>Releases what <paramref name="agentId"/> holds in the swarm; <paramref name="by"/> is who removed it.</summary>
    Task ReleaseAsync(string swarmId, string agentId, Caller by, CancellationToken cancellationToken);
}
