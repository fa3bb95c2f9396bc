using Coordination.Core.Identity;

namespace Coordination.Cli.Configuration;

/// <summary>What <c>swarm join</c> (or <c>swarm create</c>) remembers, so later calls need no flags.</summary>
/// <param name="Url">The service's root address.</param>
/// <param name="SwarmId">The swarm joined.</param>
/// <param name="AgentId">The agent this profile acts as.</param>
/// <param name="Role">The agent's role.</param>
/// <param name="Token">The agent token (a secret: the file is 0600).</param>
/// <param name="ExpiresAt">When the token expires.</param>
internal sealed record Profile(string Url, string SwarmId, string AgentId, Role Role, string Token, DateTimeOffset ExpiresAt);
