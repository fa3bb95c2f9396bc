using Coordination.Client;
using Coordination.Core.Swarms;

namespace Coordination.Mcp;

/// <summary>
/// Who the tools act as. Over HTTP every request is its own session, fixed to the request's bearer credential; over
/// stdio the process is one agent's session, which <c>swarm_join</c>, <c>swarm_create</c> and <c>start_session</c>
/// switch to the credentials they return, so an agent can join and then work without restarting its MCP server.
/// </summary>
public abstract class CoordinationSession
{
    /// <summary>The client the tools call the API with (its credential and swarm are the session's).</summary>
    public abstract CoordinationClient Client { get; }

    /// <summary>The client, for a tool that acts in a swarm: a session in none (a tenant key, no credential yet) is told how to get one.</summary>
    public CoordinationClient SwarmClient => Client.SwarmId is not null ? Client : throw new MissingSwarmException(
        "This tool acts in a swarm, and this session has no agent token: call swarm_join (or swarm_create with a tenant key) first, or connect with an agent token (ct_…).");

    /// <summary>The agent the session acts as, when known (null for a tenant key, or a token whose agent was not named).</summary>
    public abstract string? AgentId { get; }

    /// <summary>True when credentials a join or create returns become the session's own (stdio); false over HTTP.</summary>
    public abstract bool AdoptsCredentials { get; }

    /// <summary>Makes <paramref name="credentials"/> the session's identity (only when <see cref="AdoptsCredentials"/>).</summary>
    /// <param name="credentials">The agent's token, swarm and id, as a join or create returned them.</param>
    public virtual void Adopt(AgentCredentials credentials) =>
        throw new NotSupportedException("This session's identity is fixed by its transport.");
}
