using Azure;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Single-entity writes and reads against Azurite: the outcomes and ETags callers build CAS on.</summary>
public sealed class TableEntityTests : IAsyncLifetime
{
    private const string Pk = "p";
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteAsync();

    [Fact]
    public async Task Insert_then_get_returns_the_properties_and_the_insert_etag()
    {
        var insert = await _table.AddEntityAsync(Entity("r", ("Name", "a"), ("Count", 1)));

        var read = await _table.GetEntityAsync(Pk, "r");

        Assert.Equal(StorageOutcome.Succeeded, insert.Outcome);
        Assert.NotEqual(default, insert.ETag);
        Assert.NotNull(read);
        Assert.Equal(Pk, read.PartitionKey);
        Assert.Equal("r", read.RowKey);
        Assert.Equal(insert.ETag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal("a", read.GetString("Name"));
        Assert.Equal(1, read.GetInt32("Count"));
        Assert.Equal(2, read.Count);
    }

    [Fact]
    public async Task Duplicate_insert_is_already_exists_and_the_original_is_unchanged()
    {
        var first = await _table.AddEntityAsync(Entity("r", ("Name", "original")));

        var second = await _table.AddEntityAsync(Entity("r", ("Name", "intruder"), ("Extra", true)));

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
    public async Task Update_with_the_current_etag_succeeds_and_returns_a_new_etag(TableUpdateMode mode)
    {
        var insert = await _table.AddEntityAsync(Entity("r", ("Name", "a")));

        var update = await _table.UpdateEntityAsync(Entity("r", ("Name", "b")), insert.ETag, mode);

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
        var insert = await _table.AddEntityAsync(Entity("r", ("Name", "a")));
        var winner = await _table.UpdateEntityAsync(Entity("r", ("Name", "winner")), insert.ETag, mode);

        var loser = await _table.UpdateEntityAsync(Entity("r", ("Name", "loser"), ("Extra", 1)), insert.ETag, mode);

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
    public async Task Update_with_etag_all_succeeds_whatever_the_current_version(TableUpdateMode mode)
    {
        var insert = await _table.AddEntityAsync(Entity("r", ("Name", "a")));
        await _table.UpdateEntityAsync(Entity("r", ("Name", "b")), insert.ETag, mode);

        var update = await _table.UpdateEntityAsync(Entity("r", ("Name", "c")), ETag.All, mode);

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
        var etag = anyEtag ? ETag.All : (await _table.AddEntityAsync(Entity("gone"))).ETag;
        if (!anyEtag)
        {
            await _table.DeleteEntityAsync(Pk, "gone", etag);
        }

        var update = await _table.UpdateEntityAsync(Entity("gone", ("Name", "x")), etag, mode);

        Assert.Equal(StorageOutcome.NotFound, update.Outcome);
        Assert.Equal("ResourceNotFound", update.ErrorCode);
        Assert.Null(await _table.GetEntityAsync(Pk, "gone"));
    }

    [Fact]
    public async Task Merge_keeps_properties_not_sent_and_replace_drops_them()
    {
        var merged = await _table.AddEntityAsync(Entity("m", ("Keep", "k"), ("Change", 1)));
        var replaced = await _table.AddEntityAsync(Entity("r", ("Keep", "k"), ("Change", 1)));

        await _table.UpdateEntityAsync(Entity("m", ("Change", 2), ("New", true)), merged.ETag, TableUpdateMode.Merge);
        await _table.UpdateEntityAsync(Entity("r", ("Change", 2), ("New", true)), replaced.ETag, TableUpdateMode.Replace);

        var m = await _table.GetEntityAsync(Pk, "m");
        Assert.Equal("k", m!.GetString("Keep"));
        Assert.Equal(2, m.GetInt32("Change"));
        Assert.Equal(true, m.GetBoolean("New"));
        var r = await _table.GetEntityAsync(Pk, "r");
        Assert.False(r!.ContainsKey("Keep"));
        Assert.Equal(2, r.GetInt32("Change"));
        Assert.Equal(true, r.GetBoolean("New"));
        Assert.Equal(2, r.Count);
    }

    [Theory]
    [InlineData(TableUpdateMode.Merge)]
    [InlineData(TableUpdateMode.Replace)]
    public async Task Upsert_of_a_missing_row_inserts_it(TableUpdateMode mode)
    {
        var upsert = await _table.UpsertEntityAsync(Entity("new", ("Name", "a")), mode);

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
        var insert = await _table.AddEntityAsync(Entity("r", ("Old", "o"), ("Name", "a")));

        var upsert = await _table.UpsertEntityAsync(Entity("r", ("Name", "b")), mode);

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
        var insert = await _table.AddEntityAsync(Entity("r", ("Name", "a")));
        var update = await _table.UpdateEntityAsync(Entity("r", ("Name", "b")), insert.ETag);

        var delete = await _table.DeleteEntityAsync(Pk, "r", insert.ETag);

        Assert.Equal(StorageOutcome.PreconditionFailed, delete.Outcome);
        Assert.Equal("UpdateConditionNotSatisfied", delete.ErrorCode);
        Assert.Equal(update.ETag, (await _table.GetEntityAsync(Pk, "r"))!.ETag);
    }

    [Fact]
    public async Task Delete_with_the_current_etag_removes_the_row()
    {
        var insert = await _table.AddEntityAsync(Entity("r", ("Name", "a")));

        var delete = await _table.DeleteEntityAsync(Pk, "r", insert.ETag);

        Assert.Equal(StorageOutcome.Succeeded, delete.Outcome);
        Assert.Null(await _table.GetEntityAsync(Pk, "r"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Delete_of_a_missing_row_is_not_found(bool anyEtag)
    {
        var etag = anyEtag ? ETag.All : (await _table.AddEntityAsync(Entity("gone"))).ETag;
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
        var counter = new StorageCallCounter();
        var table = new TableStore(TestEnvironment.Storage, _table.Name, new StorageClientOptions { CallCounter = counter });

        await Assert.ThrowsAsync<ArgumentException>(() => table.UpdateEntityAsync(Entity("r"), default));
        await Assert.ThrowsAsync<ArgumentException>(() => table.DeleteEntityAsync(Pk, "r", default));

        Assert.Equal(0, counter.Calls);
    }

    [Fact]
    public async Task Get_with_select_returns_only_the_selected_properties()
    {
        var insert = await _table.AddEntityAsync(Entity("r", ("A", "a"), ("B", 2), ("C", true)));

        var read = await _table.GetEntityAsync(Pk, "r", select: ["A", "C"]);

        Assert.NotNull(read);
        Assert.Equal(Pk, read.PartitionKey);
        Assert.Equal("r", read.RowKey);
        Assert.Equal(insert.ETag, read.ETag);
        Assert.Equal(["A", "C"], read.Select(p => p.Key).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("a", read.GetString("A"));
        Assert.Equal(true, read.GetBoolean("C"));
    }

    private static TableEntity Entity(string rowKey, params (string Name, object Value)[] properties)
    {
        var entity = new TableEntity(Pk, rowKey);
        foreach (var (name, value) in properties)
        {
            entity[name] = value;
        }
        return entity;
    }
}
