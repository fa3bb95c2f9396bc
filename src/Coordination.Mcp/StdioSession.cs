using Coordination.Client;
using Coordination.Core.Swarms;

namespace Coordination.Mcp;

/// <summary>
/// The session of one stdio server: starts with the configured credential and adopts the ones a join or create
/// returns. The first client owns the connections; adopted identities share them.
/// </summary>
internal sealed class StdioSession : CoordinationSession, IDisposable
{
    private readonly CoordinationClient _root;
    private volatile Identity _current;

    public StdioSession(CoordinationClientOptions options, string? agentId)
    {
        _root = new CoordinationClient(options);
        _current = new Identity(_root, agentId);
    }

    public override CoordinationClient Client => _current.Client;

    public override string? AgentId => _current.AgentId;

    public override bool AdoptsCredentials => true;

    public override void Adopt(AgentCredentials credentials)
    {
        var previous = _current;
        _current = new Identity(_root.WithCredentials(credentials), credentials.AgentId);
        if (!ReferenceEquals(previous.Client, _root))
        {
            previous.Client.Dispose();
        }
    }

    public void Dispose() => _root.Dispose();

    private sealed record Identity(CoordinationClient Client, string? AgentId);
}
