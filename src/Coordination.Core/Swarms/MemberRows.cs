using System.Collections.Frozen;
using System.Text.Json;
using Azure;
using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Storage.Tables;

namespace Coordination.Core.Swarms;

/// <summary>The status a member last reported with a heartbeat.</summary>
public enum PresenceStatus
{
    /// <summary>Available.</summary>
    Online,

    /// <summary>Working, not to be disturbed.</summary>
    Busy,

    /// <summary>Not at work.</summary>
    Away,
}

/// <summary>What the presence sweep last logged for a member, so each transition is logged once.</summary>
public enum PresenceReport
{
    /// <summary>Logged online (or never logged: joining is online).</summary>
    Online,

    /// <summary>Logged offline.</summary>
    Offline,
}

/// <summary>A member, <c>agent|{agentId}</c>: membership (role, current token id) and presence (status, heartbeat).</summary>
/// <param name="SwarmId">The swarm.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Name">Display name.</param>
/// <param name="Role">Role.</param>
/// <param name="TokenId">The only token id still accepted for this member.</param>
/// <param name="Capabilities">Capabilities (labels).</param>
/// <param name="Metadata">Free-form JSON from the last heartbeat that carried any.</param>
/// <param name="Status">Status of the last heartbeat.</param>
/// <param name="JoinedAt">When it joined.</param>
/// <param name="LastHeartbeat">Time of the last heartbeat (joining counts as one).</param>
/// <param name="Reported">What the sweep last logged.</param>
public sealed record MemberRow(
    string SwarmId, string AgentId, string? Name, Role Role, string TokenId, IReadOnlyList<string> Capabilities, string? Metadata,
    PresenceStatus Status, DateTimeOffset JoinedAt, DateTimeOffset LastHeartbeat, PresenceReport Reported)
{
    /// <summary>The version read, for If-Match.</summary>
    public ETag ETag { get; init; }
}

/// <summary>Maps <see cref="MemberRow"/> to and from <c>agent|{agentId}</c> entities.</summary>
public static class MemberRows
{
    /// <summary>What <see cref="ToInfo"/> reads: authorization needs only these.</summary>
    public static IReadOnlyList<string> InfoSelect { get; } = ["Role", "TokenId"];

    /// <summary>What <see cref="AgentIdOf"/> reads.</summary>
    public static IReadOnlyList<string> AgentIdSelect { get; } = ["AgentId"];

    /// <summary>Presence statuses as stored and accepted, in the order they are listed to clients.</summary>
    public static IReadOnlyList<string> StatusTexts { get; } = Enum.GetValues<PresenceStatus>().Select(StatusText).ToArray();

    private static readonly FrozenDictionary<string, PresenceStatus> Statuses = Enum.GetValues<PresenceStatus>().ToFrozenDictionary(StatusText);

    private static readonly FrozenDictionary<string, PresenceReport> Reports = Enum.GetValues<PresenceReport>().ToFrozenDictionary(ReportText);

    private static readonly FrozenDictionary<string, Role> Roles = Enum.GetValues<Role>().ToFrozenDictionary(SwarmRows.RoleText);

    /// <summary>The status as stored and shown.</summary>
    public static string StatusText(PresenceStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The report as stored; also the suffix of its event type (<c>agent.online</c>, <c>agent.offline</c>).</summary>
    public static string ReportText(PresenceReport report) => report.ToString().ToLowerInvariant();

    /// <summary>The status a client named, or null when it names none (request parsing: exact lower-case text).</summary>
    public static PresenceStatus? ParseStatus(string text) => Statuses.TryGetValue(text, out var status) ? status : null;

    /// <summary>A new member; joining counts as a heartbeat.</summary>
    public static MemberRow New(string swarmId, string agentId, string? name, Role role, string tokenId, IReadOnlyList<string> capabilities, DateTimeOffset now) =>
        new(swarmId, agentId, name, role, tokenId, capabilities, null, PresenceStatus.Online, now, now, PresenceReport.Online);

    /// <summary>Reads a member row.</summary>
    public static MemberRow From(TableEntity row) => new(
        row.PartitionKey, row.RequiredString("AgentId"), row.GetString("Name"), row.RequiredChoice("Role", Roles), row.RequiredString("TokenId"),
        StoredJson.Read(row, "Capabilities") is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [],
        StoredJson.Read(row, "Metadata"), row.RequiredChoice("Status", Statuses), row.RequiredTime("JoinedAt"), row.RequiredTime("LastHeartbeat"),
        row.RequiredChoice("Reported", Reports))
    { ETag = row.ETag };

    /// <summary>Writes a member row.</summary>
    public static TableEntity ToEntity(MemberRow row)
    {
        var entity = new TableEntity(row.SwarmId, SwarmRows.AgentKey(row.AgentId))
        {
            ["AgentId"] = row.AgentId, ["Role"] = SwarmRows.RoleText(row.Role), ["TokenId"] = row.TokenId, ["JoinedAt"] = row.JoinedAt,
            ["LastHeartbeat"] = row.LastHeartbeat, ["Status"] = StatusText(row.Status), ["Reported"] = ReportText(row.Reported),
        };
        SwarmRows.SetIfPresent(entity, "Name", row.Name);
        StoredJson.Write(entity, "Capabilities", JsonSerializer.Serialize(row.Capabilities));
        StoredJson.Write(entity, "Metadata", row.Metadata);
        return entity;
    }

    /// <summary>Reads the <see cref="InfoSelect"/> properties of a member row.</summary>
    public static MembershipInfo ToInfo(TableEntity row) =>
        new(TableKeyCodec.Split(row.RowKey)[0], row.RequiredChoice("Role", Roles), row.RequiredString("TokenId"));

    /// <summary>Reads the <see cref="AgentIdSelect"/> property of a member row.</summary>
    public static string AgentIdOf(TableEntity row) => row.RequiredString("AgentId");

    /// <summary>
    /// The merge of a heartbeat: status and time, and capabilities or metadata only when given (null keeps them).
    /// The JSON goes in with its part count stated (<see cref="StoredJson.WriteForMerge"/>), so a short value merged
    /// over a long one does not leave the long one's parts in force.
    /// </summary>
    public static TableEntity HeartbeatPatch(string swarmId, string agentId, PresenceStatus status, DateTimeOffset now, IReadOnlyList<string>? capabilities, string? metadata)
    {
        var patch = new TableEntity(swarmId, SwarmRows.AgentKey(agentId)) { ["Status"] = StatusText(status), ["LastHeartbeat"] = now };
        if (capabilities is not null)
        {
            StoredJson.WriteForMerge(patch, "Capabilities", JsonSerializer.Serialize(capabilities));
        }
        StoredJson.WriteForMerge(patch, "Metadata", metadata);
        return patch;
    }

    /// <summary>The merge that records activity other than a heartbeat: only the last-seen time.</summary>
    public static TableEntity ActivityPatch(string swarmId, string agentId, DateTimeOffset now) =>
        new(swarmId, SwarmRows.AgentKey(agentId)) { ["LastHeartbeat"] = now };

    /// <summary>The merge that records what the sweep logged.</summary>
    public static TableEntity ReportedPatch(string swarmId, string agentId, PresenceReport reported) =>
        new(swarmId, SwarmRows.AgentKey(agentId)) { ["Reported"] = ReportText(reported) };

    /// <summary>The member as the API shows it; offline once the heartbeat is older than <paramref name="presenceTtl"/>.</summary>
    public static MemberView ToView(MemberRow row, DateTimeOffset now, TimeSpan presenceTtl)
    {
        var online = IsOnline(row, now, presenceTtl);
        return new MemberView(
            row.AgentId, row.Name, row.Role, online ? StatusText(row.Status) : "offline", online, row.Capabilities,
            row.Metadata is { } metadata ? JsonDocument.Parse(metadata).RootElement.Clone() : null, row.LastHeartbeat, row.JoinedAt);
    }

    /// <summary>True while the last heartbeat is within <paramref name="presenceTtl"/>.</summary>
    public static bool IsOnline(MemberRow row, DateTimeOffset now, TimeSpan presenceTtl) => now - row.LastHeartbeat <= presenceTtl;
}
