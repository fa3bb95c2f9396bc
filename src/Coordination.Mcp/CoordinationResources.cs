using System.ComponentModel;
using Coordination.Client;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Coordination.Mcp;

/// <summary>What an agent may read without calling a tool: its inbox and the swarm at a glance.</summary>
[McpServerResourceType]
public sealed class CoordinationResources(CoordinationSession session)
{
    /// <summary>The URI of the caller's inbox.</summary>
    public const string InboxUri = "coord://inbox";

    /// <summary>The URI of the swarm summary.</summary>
    public const string SwarmUri = "coord://swarm";

    /// <summary>The caller's inbox.</summary>
    [McpServerResource(UriTemplate = InboxUri, Name = "inbox", Title = "My inbox", MimeType = "application/json")]
    [Description("Your inbox: the 50 highest-priority, newest messages sent to you or to everyone, with their status ({items, nextCursor, hasMore}).")]
    public Task<string> InboxAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(async client => await client.Messages.InboxAsync(limit: 50, ct: cancellationToken));

    /// <summary>The swarm, its members and its task counts.</summary>
    [McpServerResource(UriTemplate = SwarmUri, Name = "swarm", Title = "The swarm", MimeType = "application/json")]
    [Description("Your swarm at a glance: the swarm (name, goal, status), its members (role, presence, capabilities) and task counts per status.")]
    public Task<string> SwarmAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(async client =>
        {
            var swarm = client.Swarms.GetAsync(ct: cancellationToken);
            var members = client.Swarms.ListMembersAsync(cancellationToken);
            var stats = client.Tasks.StatsAsync(cancellationToken);
            return new { Swarm = await swarm, Members = (await members).Items, Tasks = await stats };
        });

    /// <summary>Reads as the session; a failure becomes an MCP error whose message is the problem's JSON (code, status, detail).</summary>
    private async Task<string> ReadAsync(Func<CoordinationClient, Task<object>> read)
    {
        try
        {
            return ToolResults.ToJson(await read(session.SwarmClient));
        }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false })
        {
            var problem = ToolResults.FromException(e);
            throw new McpException(((ModelContextProtocol.Protocol.TextContentBlock)problem.Content[0]).Text);
        }
    }
}
