using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;
using static Coordination.UnitTests.Core.StoredEntities;

namespace Coordination.UnitTests.Core;

public sealed class MemberRowsTests
{
    private static readonly string[] Stored = ["AgentId", "Name", "Role", "TokenId", "Capabilities", "Metadata", "Status", "JoinedAt", "LastHeartbeat", "Reported"];

    private static readonly MemberRow Busy = new(
        "swarm_a", "builder/1", "Bob", Role.Coordinator, "tok123", ["build", "test"], """{"host":"a"}""",
        PresenceStatus.Busy, Now, Now.AddMinutes(5), PresenceReport.Offline);

    [Fact]
    public void A_member_row_round_trips_with_the_etag_it_was_read_with()
    {
        var read = MemberRows.From(AsRead(MemberRows.ToEntity(Busy)));
        Assert.Equal(Busy with { ETag = ReadETag, Capabilities = read.Capabilities }, read);
        Assert.Equal(Busy.Capabilities, read.Capabilities);
    }

    [Fact]
    public void A_new_member_is_online_has_beaten_at_its_join_and_round_trips_without_name_or_metadata()
    {
        var joined = MemberRows.New("swarm_a", "w", null, Role.Worker, "tok", [], Now);
        var entity = MemberRows.ToEntity(joined);
        var read = MemberRows.From(entity);

        Assert.Null(entity.GetString("Name"));
        Assert.Null(entity.GetString("Metadata"));
        Assert.Equal((PresenceStatus.Online, PresenceReport.Online, Now, Now), (read.Status, read.Reported, read.JoinedAt, read.LastHeartbeat));
        Assert.Equal(joined with { Capabilities = read.Capabilities }, read);
        Assert.Empty(read.Capabilities);
    }

    [Fact]
    public void Metadata_longer_than_one_property_round_trips()
    {
        var chatty = Busy with { Metadata = "\"" + new string('x', 3 * StoredJson.CharsPerProperty) + "\"" };
        Assert.Equal(chatty.Metadata, MemberRows.From(MemberRows.ToEntity(chatty)).Metadata);
    }

    [Fact]
    public void Authorization_reads_role_and_token_from_the_selected_properties_and_the_agent_from_the_key()
    {
        var selected = Entity("swarm_a", SwarmRows.AgentKey("a/b|c"), ("Role", "observer"), ("TokenId", "tok"));
        Assert.Equal(new MembershipInfo("a/b|c", Role.Observer, "tok"), MemberRows.ToInfo(selected));
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("Worker")]
    [InlineData("")]
    public void A_role_this_version_does_not_know_fails_loudly_instead_of_becoming_observer(string role)
    {
        var entity = MemberRows.ToEntity(Busy).With("Role", role);
        Assert.Throws<StoredRowException>(() => MemberRows.From(entity));
        Assert.Throws<StoredRowException>(() => MemberRows.ToInfo(entity));
    }

    [Theory]
    [InlineData("Status", "sleeping")]
    [InlineData("Status", "offline")]
    [InlineData("Reported", "busy")]
    public void A_presence_text_this_version_does_not_know_fails_loudly(string property, string text)
    {
        Assert.Throws<StoredRowException>(() => MemberRows.From(MemberRows.ToEntity(Busy).With(property, text)));
    }

    [Theory]
    [InlineData("AgentId")]
    [InlineData("Role")]
    [InlineData("TokenId")]
    [InlineData("Status")]
    [InlineData("JoinedAt")]
    [InlineData("LastHeartbeat")]
    [InlineData("Reported")]
    public void A_member_row_missing_a_required_property_fails_loudly(string missing)
    {
        var thrown = Assert.Throws<StoredRowException>(() => MemberRows.From(MemberRows.ToEntity(Busy).Without(missing, Stored)));
        Assert.Contains(missing, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_member_shows_its_status_while_its_heartbeat_is_fresh_and_offline_after()
    {
        var ttl = TimeSpan.FromMinutes(1);
        var fresh = MemberRows.ToView(Busy, Busy.LastHeartbeat + ttl, ttl);
        var stale = MemberRows.ToView(Busy, Busy.LastHeartbeat + ttl + TimeSpan.FromTicks(1), ttl);

        Assert.Equal(("busy", true), (fresh.Status, fresh.Online));
        Assert.Equal(("offline", false), (stale.Status, stale.Online));
        Assert.Equal("a", fresh.Metadata!.Value.GetProperty("host").GetString());
    }

    [Fact]
    public void Heartbeat_statuses_parse_exactly_as_stored()
    {
        Assert.Equal(["online", "busy", "away"], MemberRows.StatusTexts);
        Assert.Equal(PresenceStatus.Away, MemberRows.ParseStatus("away"));
        Assert.Null(MemberRows.ParseStatus("Away"));
        Assert.Null(MemberRows.ParseStatus("offline"));
    }

    [Fact]
    public void A_heartbeat_changes_only_what_it_carries()
    {
        var patch = MemberRows.HeartbeatPatch("swarm_a", "w", PresenceStatus.Away, Now, capabilities: null, metadata: null);
        Assert.Equal(("away", Now), (patch.GetString("Status"), patch.GetDateTimeOffset("LastHeartbeat")));
        Assert.Null(patch.GetString("Capabilities"));
        Assert.Null(patch.GetString("Metadata"));
        Assert.Equal("offline", MemberRows.ReportedPatch("swarm_a", "w", PresenceReport.Offline).GetString("Reported"));
    }
}
