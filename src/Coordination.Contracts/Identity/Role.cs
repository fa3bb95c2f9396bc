namespace Coordination.Core.Identity;

/// <summary>A member's role in a swarm.</summary>
public enum Role
{
    /// <summary>Reads everything in the swarm, writes nothing.</summary>
    Observer = 0,

    /// <summary>Does the work: claims, locks, state, messages.</summary>
    Worker = 1,

    /// <summary>Runs the swarm: everything a worker does, plus removing members, forcing, archiving, deleting.</summary>
    Coordinator = 2,
}
