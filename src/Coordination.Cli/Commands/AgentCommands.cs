using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Core.Common;
using Coordination.Core.Presence;
using Coordination.Core.Swarms;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl agent heartbeat|presence|capabilities</c>.</summary>
internal static class AgentCommands
{
    public static Command Build() => Verb.Group("agent", "Presence: heartbeats, who is around, what they can do.", Heartbeat(), Presence(), Capabilities());

    private static Command Heartbeat()
    {
        var status = new Option<string?>("--status") { Description = "online, busy or away." };
        status.AcceptOnlyFromAmong("online", "busy", "away");
        var capabilities = new Option<string[]?>("--capabilities") { Description = "Your capabilities (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var metadata = new Option<string?>("--metadata") { Description = "Any JSON object, as text or @file." };
        return Verb.Create("heartbeat", "Reports you alive, with a status, capabilities and metadata.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var member = await client.Agents.HeartbeatAsync(new HeartbeatRequest(cli.Get(status), JsonInput.List(cli.Get(capabilities)),
                JsonInput.ParseOptional(cli.Get(metadata), "--metadata")), ct);
            cli.Output.Show(member, () => ShowMember(cli.Output, member));
            return ExitCodes.Ok;
        }, status, capabilities, metadata);
    }

    private static Command Presence()
    {
        var agentId = new Argument<string?>("agent-id") { Description = "One agent (default: everyone).", Arity = ArgumentArity.ZeroOrOne };
        var capability = new Option<string?>("--capability") { Description = "Only agents with this capability." };
        var activeWithinDays = new Option<int?>("--active-within-days") { Description = "Only agents seen within this many days." };
        var limit = new Option<int?>("--limit") { Description = "Page size." };
        var cursor = new Option<string?>("--cursor") { Description = "A previous page's nextCursor." };
        return Verb.Create("presence", "Shows who is online, most recently seen first (or one agent).", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            if (cli.Get(agentId) is { } one)
            {
                var member = await client.Agents.GetAsync(one, ct);
                cli.Output.Show(member, () => ShowMember(cli.Output, member));
                return ExitCodes.Ok;
            }
            var page = await client.Agents.FindAsync(cli.Get(capability), cli.Get(activeWithinDays), cli.Get(limit), cli.Get(cursor), ct);
            cli.Output.Show(page, () => MemberTable(cli.Output, page, ["agent", "role", "status", "online", "last seen"],
                m => [m.AgentId, m.Role, m.Status, m.Online, m.LastSeen]));
            return ExitCodes.Ok;
        }, agentId, capability, activeWithinDays, limit, cursor);
    }

    private static Command Capabilities()
    {
        var capability = new Option<string?>("--capability") { Description = "Only agents with this capability." };
        return Verb.Create("capabilities", "Lists each agent's capabilities (set your own with 'agent heartbeat --capabilities').", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var page = await client.Agents.FindAsync(cli.Get(capability), ct: ct);
            cli.Output.Show(page, () => MemberTable(cli.Output, page, ["agent", "capabilities", "online"], m => [m.AgentId, m.Capabilities, m.Online]));
            return ExitCodes.Ok;
        }, capability);
    }

    private static void MemberTable(Output output, ListPage<MemberView> page, string[] headers, Func<MemberView, object?[]> row)
    {
        output.Table(headers, page.Items.Select(row));
        if (page.HasMore)
        {
            Output.Note($"more: --cursor {page.NextCursor}");
        }
    }

    private static void ShowMember(Output output, MemberView member) => output.Record(
        ("agent", member.AgentId), ("name", member.Name), ("role", member.Role), ("status", member.Status), ("online", member.Online),
        ("capabilities", member.Capabilities), ("metadata", member.Metadata), ("last seen", member.LastSeen), ("joined", member.JoinedAt));
}
