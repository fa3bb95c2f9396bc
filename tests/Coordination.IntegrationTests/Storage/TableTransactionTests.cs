using Azure;
using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;
using static Coordination.IntegrationTests.Infrastructure.TableTestData;

namespace Coordination.IntegrationTests.Storage;

/// <summary>Entity group transactions: all or nothing, the failing operation's index reported, checked before sending.</summary>
public sealed class TableTransactionTests : IAsyncLifetime
{
    private const string Pk = "tx";
    private readonly StorageCallCounter _calls = new();
    private TableStore _table = null!;

    public async Task InitializeAsync() => _table = await TestEnvironment.CreateTableAsync(_calls);

    public async Task DisposeAsync() => await _table.DeleteIfExistsAsync();

    [Fact]
    public async Task A_transaction_that_succeeds_applies_every_operation_and_returns_each_new_etag()
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
            TableActions.UpsertMerge(Row("upsert-merge", "new")),
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
    public async Task An_insert_on_taken_keys_fails_the_whole_transaction_at_its_index(int operations, int duplicateAt)
    {
        await _table.AddEntityAsync(Row("existing", "original"));
        var actions = Enumerable.Range(0, operations)
            .Select(i => TableActions.Add(i == duplicateAt ? Row("existing", "intruder") : Row($"n{i:D3}", "new")))
            .ToList();

        var result = await _table.SubmitTransactionAsync(actions);

        AssertFailedAt(result, duplicateAt, StorageOutcome.AlreadyExists);
        Assert.Equal("EntityAlreadyExists", result.ErrorCode);
        Assert.Equal(["existing"], await _table.RowKeysAsync(TableFilter.Partition(Pk)));
        Assert.Equal("original", (await _table.GetEntityAsync(Pk, "existing"))!.GetString("Value"));
    }

    [Theory]
    [InlineData(TableTransactionActionType.UpdateReplace, 2)]
    [InlineData(TableTransactionActionType.UpdateMerge, 2)]
    [InlineData(TableTransactionActionType.Delete, 2)]
    [InlineData(TableTransactionActionType.UpdateMerge, 0)]
    [InlineData(TableTransactionActionType.Delete, 99)]
    public async Task A_stale_etag_fails_the_whole_transaction_with_precondition_failed_at_its_index(TableTransactionActionType staleAction, int staleAt)
    {
        var stale = (await _table.AddEntityAsync(Row("target", "v1"))).ETag;
        var current = (await _table.UpdateEntityAsync(Row("target", "v2"), stale)).ETag;
        var result = await _table.SubmitTransactionAsync(FailingAt(staleAt, new TableTransactionAction(staleAction, Row("target", "v3"), stale)));

        AssertFailedAt(result, staleAt, StorageOutcome.PreconditionFailed);
        Assert.Equal("UpdateConditionNotSatisfied", result.ErrorCode);
        Assert.Equal(["target"], await _table.RowKeysAsync(TableFilter.Partition(Pk)));
        var target = await _table.GetEntityAsync(Pk, "target");
        Assert.Equal(current, target!.ETag);
        Assert.Equal("v2", target.GetString("Value"));
    }

    [Theory]
    [InlineData(TableTransactionActionType.Delete, 1)]
    [InlineData(TableTransactionActionType.UpdateReplace, 1)]
    [InlineData(TableTransactionActionType.UpdateMerge, 1)]
    [InlineData(TableTransactionActionType.UpdateMerge, 99)]
    public async Task An_operation_on_a_missing_row_fails_the_whole_transaction_with_not_found_at_its_index(TableTransactionActionType action, int missingAt)
    {
        var kept = await _table.AddEntityAsync(Row("kept", "v1"));
        var actions = FailingAt(missingAt, new TableTransactionAction(action, Row("missing", "x"), ETag.All));
        actions[0] = TableActions.Delete(Pk, "kept", kept.ETag);

        var result = await _table.SubmitTransactionAsync(actions);

        AssertFailedAt(result, missingAt, StorageOutcome.NotFound);
        Assert.Equal("ResourceNotFound", result.ErrorCode);
        Assert.Equal(["kept"], await _table.RowKeysAsync(TableFilter.Partition(Pk)));
    }

    [Fact]
    public async Task An_operation_the_service_refuses_as_invalid_is_storage_rejected_naming_its_index_and_applies_nothing()
    {
        var error = await Assert.ThrowsAsync<StorageRejectedException>(() => _table.SubmitTransactionAsync(
        [
            TableActions.Add(Row("ok", "v")),
            TableActions.Add(Row("raw/slash", "v")),
        ]));

        Assert.Equal(400, error.Status);
        Assert.Equal(1, Assert.IsType<TableTransactionFailedException>(error.InnerException).FailedTransactionActionIndex);
        Assert.Empty(await _table.RowKeysAsync(TableFilter.Partition(Pk)));
    }

    [Fact]
    public async Task Exactly_one_hundred_operations_succeed_each_with_its_etag()
    {
        var actions = Enumerable.Range(0, 100).Select(i => TableActions.Add(Row($"r{i:D3}", "v"))).ToList();

        var result = await _table.SubmitTransactionAsync(actions);

        Assert.True(result.Succeeded);
        Assert.Equal(100, result.ETags.Count);
        Assert.DoesNotContain(default, result.ETags);
        var rows = await _table.QueryAsync(TableFilter.Partition(Pk)).ToListAsync();
        Assert.Equal(result.ETags, rows.OrderBy(r => r.RowKey, StringComparer.Ordinal).Select(r => r.ETag));
    }

    [Fact]
    public async Task Invalid_transactions_are_refused_before_any_request_because_azurite_would_half_accept_some_of_them()
    {
        // Azurite applies a transaction spanning two partitions, and the SDK sends all of these as given.
        var tooMany = Enumerable.Range(0, 101).Select(i => TableActions.Add(Row($"r{i}", "v"))).ToList();
        List<TableTransactionAction>[] invalid =
        [
            [],
            tooMany,
            [TableActions.Add(Row("a", "v")), TableActions.Add(new TableEntity("other", "b"))],
            [TableActions.Add(Row("a", "v")), TableActions.UpsertReplace(Row("a", "w"))],
            [TableActions.Add(Row("a", "v")), TableActions.Delete(Pk, "a", ETag.All)],
        ];
        var before = _calls.Calls;

        foreach (var actions in invalid)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => _table.SubmitTransactionAsync(actions));
        }

        Assert.Equal(before, _calls.Calls);
        Assert.Empty(await _table.RowKeysAsync(TableFilter.Partition(Pk)));
    }

    [Fact]
    public void Conditional_operations_without_a_stated_concurrency_cannot_be_built()
    {
        Assert.Throws<ArgumentException>(() => TableActions.Replace(Row("a", "v"), default));
        Assert.Throws<ArgumentException>(() => TableActions.Merge(Row("a", "v"), default));
        Assert.Throws<ArgumentException>(() => TableActions.Delete(Pk, "a", default));
    }

    [Fact]
    public async Task Null_properties_in_a_transaction_are_not_stored()
    {
        var result = await _table.SubmitTransactionAsync([TableActions.Add(Row("r", "v", ("Nothing", null)))]);

        Assert.True(result.Succeeded);
        Assert.Equal(["Value"], (await _table.GetEntityAsync(Pk, "r"))!.PropertyNames());
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

    /// <summary>At least three operations: <paramref name="failing"/> at <paramref name="index"/>, inserts of new rows around it.</summary>
    private static List<TableTransactionAction> FailingAt(int index, TableTransactionAction failing) =>
        Enumerable.Range(0, Math.Max(3, index + 1))
            .Select(i => i == index ? failing : TableActions.Add(Row($"added{i:D3}", "new")))
            .ToList();

    private static TableEntity Row(string rowKey, string value, params (string Name, object? Value)[] extra) =>
        Entity(Pk, rowKey, [("Value", value), .. extra]);
}
