using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>The <c>agent|{agentId}</c> row: membership (role, current token id) and presence (status, heartbeat).</summary>
public static class MemberRows
{
    /// <summary>Presence as the sweep last reported it (so each transition is logged once).</summary>
    public static class Reported
    {
        /// <summary>Reported online.</summary>
        public const string Online = "online";

        /// <summary>Reported offline.</summary>
        public const string Offline = "offline";
    }

    /// <summary>A new member; joining counts as a heartbeat.</summary>
    public static TableEntity New(string swarmId, string agentId, string? name, Role role, string tokenId, IReadOnlyList<string> capabilities, DateTimeOffset now)
    {
        var row = new TableEntity(swarmId, SwarmRows.AgentKey(agentId))
        {
            ["AgentId"] = agentId, ["Name"] = name, ["Role"] = SwarmRows.RoleText(role), ["TokenId"] = tokenId,
            ["JoinedAt"] = now, ["LastHeartbeat"] = now, ["Status"] = "online", ["Reported"] = Reported.Online,
        };
        StoredJson.Write(row, "Capabilities", JsonSerializer.Serialize(capabilities));
        return row;
    }

    /// <summary>Reads a member row as the API shows it; offline once the heartbeat is older than <paramref name="presenceTtl"/>.</summary>
    public static MemberView ToView(TableEntity row, DateTimeOffset now, TimeSpan presenceTtl)
    {
        var last = row.GetDateTimeOffset("LastHeartbeat") ?? row.GetDateTimeOffset("JoinedAt")!.Value;
        var online = now - last <= presenceTtl;
        return new MemberView(
            row.GetString("AgentId")!, row.GetString("Name"), SwarmRows.ParseRole(row.GetString("Role")),
            online ? row.GetString("Status") ?? "online" : "offline", online, Capabilities(row),
            StoredJson.ReadElement(row, "Metadata"), last, row.GetDateTimeOffset("JoinedAt")!.Value);
    }

    /// <summary>The member's capabilities.</summary>
    public static IReadOnlyList<string> Capabilities(TableEntity row) =>
        StoredJson.Read(row, "Capabilities") is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];
}
