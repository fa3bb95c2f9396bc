using Azure;
using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;
using static Coordination.IntegrationTests.Infrastructure.TableTestData;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Single-entity writes and reads against Azurite: the outcomes and ETags callers build compare-and-swap on.</summary>
public sealed class TableEntityTests : IAsyncLifetime
{
    private const string Pk = "p";
    private readonly StorageCallCounter _calls = new();
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync(_calls);

    public async Task DisposeAsync() => await _table.DeleteIfExistsAsync();

    [Fact]
    public async Task Insert_then_get_returns_the_properties_the_keys_and_the_insert_etag()
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a"), ("Count", 1)));

        var read = await _table.GetEntityAsync(Pk, "r");

        Assert.Equal(StorageOutcome.Succeeded, insert.Outcome);
        Assert.NotEqual(default, insert.ETag);
        Assert.NotNull(read);
        Assert.Equal((Pk, "r"), (read.PartitionKey, read.RowKey));
        Assert.Equal(insert.ETag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal("a", read.GetString("Name"));
        Assert.Equal(1, read.GetInt32("Count"));
        Assert.Equal(["Count", "Name"], read.PropertyNames());
    }

    [Fact]
    public async Task An_insert_on_taken_keys_is_already_exists_and_the_original_is_unchanged()
    {
        var first = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "original")));

        var second = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "intruder"), ("Extra", true)));

        Assert.Equal(StorageOutcome.AlreadyExists, second.Outcome);
        Assert.Equal("EntityAlreadyExists", second.ErrorCode);
        Assert.Equal(default, second.ETag);
        var read = await _table.GetEntityAsync(Pk, "r");
        Assert.Equal(first.ETag, read!.ETag);
        Assert.Equal("original", read.GetString("Name"));
        Assert.False(read.ContainsKey("Extra"));
    }

    [Fact]
    public async Task Get_of_a_missing_entity_is_null()
    {
        Assert.Null(await _table.GetEntityAsync(Pk, "missing"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task Update_with_the_current_etag_succeeds_and_returns_the_new_etag(TableUpdateMode mode)
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a")));

        var update = await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", "b")), insert.ETag, mode);

        Assert.Equal(StorageOutcome.Succeeded, update.Outcome);
        Assert.NotEqual(default, update.ETag);
        Assert.NotEqual(insert.ETag, update.ETag);
        var read = await _table.GetEntityAsync(Pk, "r");
        Assert.Equal(update.ETag, read!.ETag);
        Assert.Equal("b", read.GetString("Name"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task Update_with_a_stale_etag_is_precondition_failed_and_changes_nothing(TableUpdateMode mode)
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a")));
        var winner = await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", "winner")), insert.ETag, mode);

        var loser = await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", "loser"), ("Extra", 1)), insert.ETag, mode);

        Assert.Equal(StorageOutcome.PreconditionFailed, loser.Outcome);
        Assert.Equal("UpdateConditionNotSatisfied", loser.ErrorCode);
        Assert.Equal(default, loser.ETag);
        var read = await _table.GetEntityAsync(Pk, "r");
        Assert.Equal(winner.ETag, read!.ETag);
        Assert.Equal("winner", read.GetString("Name"));
        Assert.False(read.ContainsKey("Extra"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task Update_with_etag_all_writes_whatever_the_current_version(TableUpdateMode mode)
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a")));
        await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", "b")), insert.ETag, mode);

        var update = await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", "c")), ETag.All, mode);

        Assert.Equal(StorageOutcome.Succeeded, update.Outcome);
        Assert.Equal("c", (await _table.GetEntityAsync(Pk, "r"))!.GetString("Name"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge, true)]
    [InlineData(TableUpdateMode.Replace, true)]
    [InlineData(TableUpdateMode.Merge, false)]
    [InlineData(TableUpdateMode.Replace, false)]
    public async Task Update_of_a_missing_entity_is_not_found_and_creates_nothing(TableUpdateMode mode, bool anyEtag)
    {
        var etag = anyEtag ? ETag.All : (await _table.AddEntityAsync(Entity(Pk, "gone"))).ETag;
        if (!anyEtag)
        {
            Assert.True((await _table.DeleteEntityAsync(Pk, "gone", etag)).Succeeded);
        }

        var update = await _table.UpdateEntityAsync(Entity(Pk, "gone", ("Name", "x")), etag, mode);

        Assert.Equal(StorageOutcome.NotFound, update.Outcome);
        Assert.Equal("ResourceNotFound", update.ErrorCode);
        Assert.Null(await _table.GetEntityAsync(Pk, "gone"));
    }

    [Fact]
    public async Task Merge_keeps_properties_not_sent_and_replace_drops_them()
    {
        var merged = await _table.AddEntityAsync(Entity(Pk, "m", ("Keep", "k"), ("Change", 1)));
        var replaced = await _table.AddEntityAsync(Entity(Pk, "r", ("Keep", "k"), ("Change", 1)));

        await _table.UpdateEntityAsync(Entity(Pk, "m", ("Change", 2), ("New", true)), merged.ETag, TableUpdateMode.Merge);
        await _table.UpdateEntityAsync(Entity(Pk, "r", ("Change", 2), ("New", true)), replaced.ETag, TableUpdateMode.Replace);

        var m = (await _table.GetEntityAsync(Pk, "m"))!;
        Assert.Equal(["Change", "Keep", "New"], m.PropertyNames());
        Assert.Equal(("k", 2, true), (m.GetString("Keep"), m.GetInt32("Change"), m.GetBoolean("New")));
        var r = (await _table.GetEntityAsync(Pk, "r"))!;
        Assert.Equal(["Change", "New"], r.PropertyNames());
        Assert.Equal((2, true), (r.GetInt32("Change"), r.GetBoolean("New")));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task Upsert_of_a_missing_row_inserts_it(TableUpdateMode mode)
    {
        var upsert = await _table.UpsertEntityAsync(Entity(Pk, "new", ("Name", "a")), mode);

        Assert.Equal(StorageOutcome.Succeeded, upsert.Outcome);
        var read = await _table.GetEntityAsync(Pk, "new");
        Assert.Equal(upsert.ETag, read!.ETag);
        Assert.Equal("a", read.GetString("Name"));
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge, true)]
    [InlineData(TableUpdateMode.Replace, false)]
    public async Task Upsert_of_an_existing_row_overwrites_it_unconditionally(TableUpdateMode mode, bool keepsOldProperties)
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("Old", "o"), ("Name", "a")));

        var upsert = await _table.UpsertEntityAsync(Entity(Pk, "r", ("Name", "b")), mode);

        Assert.Equal(StorageOutcome.Succeeded, upsert.Outcome);
        Assert.NotEqual(insert.ETag, upsert.ETag);
        var read = await _table.GetEntityAsync(Pk, "r");
        Assert.Equal(upsert.ETag, read!.ETag);
        Assert.Equal("b", read.GetString("Name"));
        Assert.Equal(keepsOldProperties, read.ContainsKey("Old"));
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_is_precondition_failed_and_the_row_stays()
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a")));
        var update = await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", "b")), insert.ETag);

        var delete = await _table.DeleteEntityAsync(Pk, "r", insert.ETag);

        Assert.Equal(StorageOutcome.PreconditionFailed, delete.Outcome);
        Assert.Equal("UpdateConditionNotSatisfied", delete.ErrorCode);
        Assert.Equal(update.ETag, (await _table.GetEntityAsync(Pk, "r"))!.ETag);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Delete_with_the_current_etag_or_etag_all_removes_the_row(bool anyEtag)
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a")));
        await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", "b")), insert.ETag);
        var current = (await _table.GetEntityAsync(Pk, "r"))!.ETag;

        var delete = await _table.DeleteEntityAsync(Pk, "r", anyEtag ? ETag.All : current);

        Assert.Equal(StorageOutcome.Succeeded, delete.Outcome);
        Assert.Null(await _table.GetEntityAsync(Pk, "r"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Delete_of_a_missing_row_is_not_found(bool anyEtag)
    {
        var etag = anyEtag ? ETag.All : (await _table.AddEntityAsync(Entity(Pk, "gone"))).ETag;
        if (!anyEtag)
        {
            Assert.True((await _table.DeleteEntityAsync(Pk, "gone", etag)).Succeeded);
        }

        var delete = await _table.DeleteEntityAsync(Pk, "gone", etag);

        Assert.Equal(StorageOutcome.NotFound, delete.Outcome);
        Assert.Equal("ResourceNotFound", delete.ErrorCode);
    }

    [Fact]
    public async Task Writes_without_a_stated_concurrency_are_refused_before_any_request()
    {
        var before = _calls.Calls;

        await Assert.ThrowsAsync<ArgumentException>(() => _table.UpdateEntityAsync(Entity(Pk, "r"), default));
        await Assert.ThrowsAsync<ArgumentException>(() => _table.DeleteEntityAsync(Pk, "r", default));

        Assert.Equal(before, _calls.Calls);
    }

    [Fact]
    public async Task Get_with_select_returns_the_keys_the_etag_and_only_the_selected_properties()
    {
        var insert = await _table.AddEntityAsync(Entity(Pk, "r", ("A", "a"), ("B", 2), ("C", true)));

        var read = await _table.GetEntityAsync(Pk, "r", select: ["A", "C"]);

        Assert.NotNull(read);
        Assert.Equal((Pk, "r"), (read.PartitionKey, read.RowKey));
        Assert.Equal(insert.ETag, read.ETag);
        Assert.Equal(["A", "C"], read.PropertyNames());
        Assert.Equal(("a", true), (read.GetString("A"), read.GetBoolean("C")));
    }

    [Fact]
    public async Task A_null_property_is_not_stored_and_reads_back_absent()
    {
        await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a"), ("Nothing", null)));

        var read = (await _table.GetEntityAsync(Pk, "r"))!;

        Assert.Equal(["Name"], read.PropertyNames());
        Assert.Null(read.GetString("Nothing"));
    }

    [Fact]
    public async Task A_null_property_in_a_merge_leaves_the_stored_value_and_in_a_replace_drops_it()
    {
        // Null means "absent", never "erase": only a replace, which rewrites the whole row, removes a property.
        var merged = await _table.AddEntityAsync(Entity(Pk, "m", ("Name", "kept")));
        var replaced = await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "dropped")));

        Assert.True((await _table.UpdateEntityAsync(Entity(Pk, "m", ("Name", null), ("Other", 1)), merged.ETag)).Succeeded);
        Assert.True((await _table.UpdateEntityAsync(Entity(Pk, "r", ("Name", null), ("Other", 1)), replaced.ETag, TableUpdateMode.Replace)).Succeeded);

        Assert.Equal("kept", (await _table.GetEntityAsync(Pk, "m"))!.GetString("Name"));
        Assert.Equal(["Other"], (await _table.GetEntityAsync(Pk, "r"))!.PropertyNames());
    }

    [Fact]
    public async Task An_entity_as_read_can_be_written_back_with_its_own_etag()
    {
        // A read entity also carries the service's Timestamp and odata.etag; they are not written as properties.
        await _table.AddEntityAsync(Entity(Pk, "r", ("Name", "a"), ("Count", 1)));
        var read = (await _table.GetEntityAsync(Pk, "r"))!;
        read["Count"] = 2;

        var update = await _table.UpdateEntityAsync(read, read.ETag, TableUpdateMode.Replace);

        Assert.Equal(StorageOutcome.Succeeded, update.Outcome);
        var after = (await _table.GetEntityAsync(Pk, "r"))!;
        Assert.Equal(["Count", "Name"], after.PropertyNames());
        Assert.Equal((2, update.ETag), (after.GetInt32("Count"), after.ETag));
    }
}
