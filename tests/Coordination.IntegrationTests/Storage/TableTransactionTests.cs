using Azure;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Entity group transactions: all or nothing, with the failing operation's index reported.</summary>
public sealed class TableTransactionTests : IAsyncLifetime
{
    private const string Pk = "tx";
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync();

    public async Task DisposeAsync() => await _table.DeleteAsync();

    [Fact]
    public async Task A_transaction_that_succeeds_applies_every_operation_and_returns_their_etags()
    {
        var toReplace = await _table.AddEntityAsync(Row("replace", "old"));
        var toMerge = await _table.AddEntityAsync(Row("merge", "old", ("Kept", true)));
        var toDelete = await _table.AddEntityAsync(Row("delete", "old"));
        await _table.AddEntityAsync(Row("upsert", "old", ("Dropped", 1)));

        var result = await _table.SubmitTransactionAsync(
        [
            TableActions.Add(Row("add", "new")),
            TableActions.Replace(Row("replace", "new"), toReplace.ETag),
            TableActions.Merge(Row("merge", "new"), toMerge.ETag),
            TableActions.Delete(Pk, "delete", toDelete.ETag),
            TableActions.UpsertReplace(Row("upsert", "new")),
            new(TableTransactionActionType.UpsertMerge, Row("upsert-merge", "new")),
        ]);

        Assert.True(result.Succeeded);
        Assert.Equal(StorageOutcome.Succeeded, result.Outcome);
        Assert.Null(result.FailedIndex);
        Assert.Null(result.ErrorCode);
        Assert.Equal(6, result.ETags.Count);
        Assert.Equal(default, result.ETags[3]);
        foreach (var (rowKey, index) in new[] { ("add", 0), ("replace", 1), ("merge", 2), ("upsert", 4), ("upsert-merge", 5) })
        {
            var row = await _table.GetEntityAsync(Pk, rowKey);
            Assert.Equal("new", row!.GetString("Value"));
            Assert.Equal(result.ETags[index], row.ETag);
        }
        Assert.Null(await _table.GetEntityAsync(Pk, "delete"));
        Assert.Equal(true, (await _table.GetEntityAsync(Pk, "merge"))!.GetBoolean("Kept"));
        Assert.False((await _table.GetEntityAsync(Pk, "upsert"))!.ContainsKey("Dropped"));
    }

    [Theory]
    [InlineData(5, 0)]
    [InlineData(5, 2)]
    [InlineData(5, 4)]
    [InlineData(100, 57)]
    [InlineData(100, 99)]
    public async Task A_duplicate_insert_fails_the_whole_transaction_at_its_index(int operations, int duplicateAt)
    {
        await _table.AddEntityAsync(Row("existing", "original"));
        var actions = Enumerable.Range(0, operations)
            .Select(i => TableActions.Add(i == duplicateAt ? Row("existing", "intruder") : Row($"n{i}", "new")))
            .ToList();

        var result = await _table.SubmitTransactionAsync(actions);

        AssertFailedAt(result, duplicateAt, StorageOutcome.AlreadyExists);
        Assert.Equal("EntityAlreadyExists", result.ErrorCode);
        Assert.Equal(["existing"], await RowKeysAsync());
        Assert.Equal("original", (await _table.GetEntityAsync(Pk, "existing"))!.GetString("Value"));
    }

    [Theory]
    [InlineData(TableTransactionActionType.UpdateReplace)]
    [InlineData(TableTransactionActionType.UpdateMerge)]
    [InlineData(TableTransactionActionType.Delete)]
    public async Task A_stale_etag_fails_the_whole_transaction_with_precondition_failed(TableTransactionActionType staleAction)
    {
        var stale = (await _table.AddEntityAsync(Row("target", "v1"))).ETag;
        var current = (await _table.UpdateEntityAsync(Row("target", "v2"), stale)).ETag;
        var other = await _table.AddEntityAsync(Row("other", "v1"));

        var result = await _table.SubmitTransactionAsync(
        [
            TableActions.Add(Row("added", "new")),
            TableActions.Replace(Row("other", "v2"), other.ETag),
            new(staleAction, Row("target", "v3"), stale),
        ]);

        AssertFailedAt(result, 2, StorageOutcome.PreconditionFailed);
        Assert.Equal("UpdateConditionNotSatisfied", result.ErrorCode);
        Assert.Equal(["other", "target"], await RowKeysAsync());
        var target = await _table.GetEntityAsync(Pk, "target");
        Assert.Equal(current, target!.ETag);
        Assert.Equal("v2", target.GetString("Value"));
        Assert.Equal("v1", (await _table.GetEntityAsync(Pk, "other"))!.GetString("Value"));
    }

    [Theory]
    [InlineData(TableTransactionActionType.Delete)]
    [InlineData(TableTransactionActionType.UpdateReplace)]
    [InlineData(TableTransactionActionType.UpdateMerge)]
    public async Task An_operation_on_a_missing_row_fails_the_whole_transaction_with_not_found(TableTransactionActionType action)
    {
        var kept = await _table.AddEntityAsync(Row("kept", "v1"));

        var result = await _table.SubmitTransactionAsync(
        [
            TableActions.Delete(Pk, "kept", kept.ETag),
            new(action, Row("missing", "x"), ETag.All),
            TableActions.Add(Row("added", "new")),
        ]);

        AssertFailedAt(result, 1, StorageOutcome.NotFound);
        Assert.Equal("ResourceNotFound", result.ErrorCode);
        Assert.Equal(["kept"], await RowKeysAsync());
    }

    [Fact]
    public async Task An_operation_conditioned_on_an_etag_whose_row_was_deleted_meanwhile_counts_as_a_lost_race()
    {
        var read = await _table.AddEntityAsync(Row("raced", "v1"));
        Assert.True((await _table.DeleteEntityAsync(Pk, "raced", ETag.All)).Succeeded);

        using (var scope = StorageCallCounter.BeginScope())
        {
            AssertFailedAt(await _table.SubmitTransactionAsync([TableActions.Delete(Pk, "raced", read.ETag)]), 0, StorageOutcome.NotFound);
            Assert.Equal(1, scope.Conflicts);
        }
        using (var scope = StorageCallCounter.BeginScope())
        {
            // Unconditional (ETag.All): a missing row is not a race.
            AssertFailedAt(await _table.SubmitTransactionAsync([TableActions.Delete(Pk, "raced", ETag.All)]), 0, StorageOutcome.NotFound);
            Assert.Equal(0, scope.Conflicts);
        }
    }

    [Fact]
    public async Task An_operation_the_service_refuses_as_invalid_throws_with_its_index_and_applies_nothing()
    {
        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _table.SubmitTransactionAsync(
        [
            TableActions.Add(Row("ok", "v")),
            TableActions.Add(Row("raw/slash", "v")),
        ]));

        Assert.Equal(400, error.Status);
        Assert.Equal(1, error.FailedIndex);
        Assert.Empty(await RowKeysAsync());
    }

    [Fact]
    public async Task Exactly_one_hundred_operations_succeed()
    {
        var actions = Enumerable.Range(0, 100).Select(i => TableActions.Add(Row($"r{i:D3}", "v"))).ToList();

        var result = await _table.SubmitTransactionAsync(actions);

        Assert.True(result.Succeeded);
        Assert.Equal(100, result.ETags.Count);
        Assert.DoesNotContain(default, result.ETags);
        Assert.Equal(100, (await RowKeysAsync()).Count);
    }

    [Fact]
    public async Task Invalid_transactions_are_refused_before_any_request()
    {
        var counter = new StorageCallCounter();
        var table = new TableStore(TestEnvironment.Storage, _table.Name, new StorageClientOptions { CallCounter = counter });
        var tooMany = Enumerable.Range(0, 101).Select(i => TableActions.Add(Row($"r{i}", "v"))).ToList();
        List<TableTransactionAction>[] invalid =
        [
            [],
            tooMany,
            [TableActions.Add(Row("a", "v")), TableActions.Add(new TableEntity("other", "b"))],
            [TableActions.Add(Row("a", "v")), TableActions.UpsertReplace(Row("a", "w"))],
            [TableActions.Replace(Row("a", "v"), default)],
            [TableActions.Merge(Row("a", "v"), default)],
            [TableActions.Delete(Pk, "a", default)],
        ];

        foreach (var actions in invalid)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(actions));
        }

        Assert.Equal(0, counter.Calls);
        Assert.Empty(await RowKeysAsync());
    }

    [Fact]
    public async Task Keys_with_quotes_and_non_ascii_work_inside_a_transaction()
    {
        var pk = "it's " + TableKeyCodec.Encode("ü/🙂");
        var inserted = await _table.AddEntityAsync(new TableEntity(pk, "o'brien") { ["Value"] = "v1" });

        var result = await _table.SubmitTransactionAsync(
        [
            TableActions.Replace(new TableEntity(pk, "o'brien") { ["Value"] = "v2" }, inserted.ETag),
            TableActions.Add(new TableEntity(pk, "ça va")),
        ]);

        Assert.True(result.Succeeded);
        Assert.Equal("v2", (await _table.GetEntityAsync(pk, "o'brien"))!.GetString("Value"));
        Assert.NotNull(await _table.GetEntityAsync(pk, "ça va"));
    }

    private static void AssertFailedAt(TableTransactionResult result, int index, StorageOutcome outcome)
    {
        Assert.False(result.Succeeded);
        Assert.Equal(index, result.FailedIndex);
        Assert.Equal(outcome, result.Outcome);
        Assert.False(string.IsNullOrEmpty(result.ErrorCode));
        Assert.Empty(result.ETags);
    }

    private async Task<List<string>> RowKeysAsync()
    {
        var keys = new List<string>();
        await foreach (var row in _table.QueryAsync(TableFilter.Partition(Pk)))
        {
            keys.Add(row.RowKey);
        }
        return keys;
    }

    private static TableEntity Row(string rowKey, string value, params (string Name, object Value)[] extra)
    {
        var entity = new TableEntity(Pk, rowKey) { ["Value"] = value };
        foreach (var (name, v) in extra)
        {
            entity[name] = v;
        }
        return entity;
    }
}
