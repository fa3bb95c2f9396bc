using Coordination.Core.Common;
using Coordination.Core.Swarms;
using static Coordination.UnitTests.Core.StoredEntities;

namespace Coordination.UnitTests.Core;

public sealed class SwarmRowsTests
{
    private static readonly SwarmRow Archived =
        new("swarm_a", "tenant-1", "Build the thing", "Ship it", 20, "ABCDEFGH", SwarmStatus.Archived, Now, "lead", Now.AddHours(2));

    [Fact]
    public void A_swarm_row_round_trips_with_the_etag_it_was_read_with()
    {
        Assert.Equal(Archived with { ETag = ReadETag }, SwarmRows.FromSwarm(AsRead(SwarmRows.ToEntity(Archived))));
    }

    [Fact]
    public void A_swarm_row_without_goal_or_archive_time_writes_neither_and_reads_them_as_null()
    {
        var active = Archived with { Goal = null, Status = SwarmStatus.Active, ArchivedAt = null };
        var entity = SwarmRows.ToEntity(active);

        Assert.Null(entity.GetString("Goal"));
        Assert.Null(entity.GetDateTimeOffset("ArchivedAt"));
        Assert.Equal("active", entity.GetString("Status"));
        Assert.Equal(active, SwarmRows.FromSwarm(entity));
    }

    [Fact]
    public void Authorization_reads_the_swarm_from_the_selected_properties_only()
    {
        var selected = Entity("swarm_a", SwarmRows.SwarmKey, ("TenantId", "tenant-1"), ("Status", "archived"));
        Assert.Equal(new SwarmInfo("swarm_a", "tenant-1", SwarmStatus.Archived), SwarmRows.ToInfo(selected));
        Assert.True(SwarmRows.ToInfo(selected).IsArchived);
    }

    [Fact]
    public void Archiving_merges_the_status_and_the_time_when_there_is_one()
    {
        var archive = SwarmRows.ArchivePatch("swarm_a", Now);
        Assert.Equal(("archived", Now), (archive.GetString("Status"), archive.GetDateTimeOffset("ArchivedAt")));
        Assert.Null(SwarmRows.ArchivePatch("swarm_a", archivedAt: null).GetDateTimeOffset("ArchivedAt"));
    }

    [Fact]
    public void The_member_counter_round_trips()
    {
        var counts = new MemberCountRow("swarm_a", 7, 2);
        Assert.Equal(counts with { ETag = ReadETag }, SwarmRows.FromMemberCount(AsRead(SwarmRows.ToEntity(counts))));
    }

    [Theory]
    [InlineData("paused")]
    [InlineData("Archived")]
    [InlineData("")]
    public void A_swarm_status_this_version_does_not_know_fails_loudly(string status)
    {
        var entity = SwarmRows.ToEntity(Archived).With("Status", status);
        Assert.Throws<StoredRowException>(() => SwarmRows.FromSwarm(entity));
        Assert.Throws<StoredRowException>(() => SwarmRows.ToInfo(entity));
    }

    [Theory]
    [InlineData("TenantId")]
    [InlineData("Name")]
    [InlineData("MaxAgents")]
    [InlineData("JoinCode")]
    [InlineData("Status")]
    [InlineData("CreatedAt")]
    [InlineData("CreatedBy")]
    public void A_swarm_row_missing_a_required_property_fails_loudly(string missing)
    {
        var entity = SwarmRows.ToEntity(Archived).Without(missing, "TenantId", "Name", "Goal", "MaxAgents", "JoinCode", "Status", "CreatedAt", "CreatedBy", "ArchivedAt");
        var thrown = Assert.Throws<StoredRowException>(() => SwarmRows.FromSwarm(entity));
        Assert.Contains(missing, thrown.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Count")]
    [InlineData("Coordinators")]
    public void A_member_counter_missing_a_count_fails_loudly(string missing)
    {
        var entity = Entity("swarm_a", SwarmRows.MembersKey, (missing == "Count" ? "Coordinators" : "Count", 1));
        Assert.Throws<StoredRowException>(() => SwarmRows.FromMemberCount(entity));
    }

    [Fact]
    public void Join_code_index_and_tenant_rows_round_trip()
    {
        var code = new JoinCodeRow("ABCDEFGH", "swarm_a", "tenant-1");
        Assert.Equal(code, GlobalRows.FromJoinCode(GlobalRows.ToEntity(code)));

        var index = new SwarmIndexRow("swarm_a", "tenant-1", Now);
        Assert.Equal(index, GlobalRows.FromIndex(GlobalRows.ToEntity(index)));

        // Tenant ids are configuration names: any character, so they are encoded into the partition and decoded back.
        var counter = new TenantCounterRow("team/a|b", 3);
        Assert.Equal(counter with { ETag = ReadETag }, GlobalRows.FromTenantCounter(AsRead(GlobalRows.ToEntity(counter))));

        var slot = new TenantSwarmRow("team/a|b", "swarm_a", Now);
        Assert.Equal(slot with { ETag = ReadETag }, GlobalRows.FromTenantSwarm(AsRead(GlobalRows.ToEntity(slot))));
    }

    [Fact]
    public void Global_rows_missing_a_required_property_fail_loudly()
    {
        Assert.Throws<StoredRowException>(() => GlobalRows.FromJoinCode(Entity(GlobalRows.JoinCodePartition, "ABCDEFGH", ("TenantId", "t"))));
        Assert.Throws<StoredRowException>(() => GlobalRows.FromIndex(Entity(GlobalRows.SwarmIndexPartition, "swarm_a", ("TenantId", "t"))));
        Assert.Throws<StoredRowException>(() => GlobalRows.FromTenantCounter(Entity(GlobalRows.TenantPartition("t"), GlobalRows.TenantCounterKey)));
        Assert.Throws<StoredRowException>(() => GlobalRows.FromTenantSwarm(Entity(GlobalRows.TenantPartition("t"), GlobalRows.TenantSwarmKey("swarm_a"))));
    }

    [Fact]
    public void A_tenants_filters_select_its_join_codes_and_index_rows()
    {
        Assert.Equal("PartitionKey eq '~joincodes' and TenantId eq 'it''s'", GlobalRows.JoinCodesOfTenant("it's"));
        Assert.Equal("PartitionKey eq '~swarms' and TenantId eq 'it''s'", GlobalRows.IndexOfTenant("it's"));
    }
}
