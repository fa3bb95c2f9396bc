using Azure;
using Azure.Data.Tables;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;
using static Coordination.IntegrationTests.Infrastructure.TableTestData;

namespace Coordination.IntegrationTests.Storage;

/// <summary>
/// <see cref="StorageCallScope.Conflicts"/> (reported as X-Storage-Conflicts) counts every write that lost a race:
/// a 412 or 409 on a single write and the conflict inside a failed transaction, and nothing else.
/// </summary>
public sealed class ConflictCountTests : IAsyncLifetime
{
    private const string Pk = "c";
    private TableStore _table = null!;
    private ETag _stale;

    public async Task InitializeAsync()
    {
        _table = await TestEnvironment.CreateTableAsync();
        _stale = (await _table.AddEntityAsync(Entity(Pk, "row", ("V", 1)))).ETag;
        Assert.True((await _table.UpdateEntityAsync(Entity(Pk, "row", ("V", 2)), _stale)).Succeeded);
    }

    public async Task DisposeAsync() => await _table.DeleteIfExistsAsync();

    public static TheoryData<string, StorageOutcome> LostRaces => new()
    {
        { "insert on taken keys", StorageOutcome.AlreadyExists },
        { "merge with a stale etag", StorageOutcome.PreconditionFailed },
        { "replace with a stale etag", StorageOutcome.PreconditionFailed },
        { "delete with a stale etag", StorageOutcome.PreconditionFailed },
        { "transaction insert on taken keys", StorageOutcome.AlreadyExists },
        { "transaction merge with a stale etag", StorageOutcome.PreconditionFailed },
        { "transaction delete of a row removed since it was read", StorageOutcome.NotFound },
    };

    public static TheoryData<string, StorageOutcome> NoRaces => new()
    {
        { "insert", StorageOutcome.Succeeded },
        { "merge with the current etag", StorageOutcome.Succeeded },
        { "update of a missing row with etag all", StorageOutcome.NotFound },
        { "transaction", StorageOutcome.Succeeded },
        { "transaction delete of a missing row with etag all", StorageOutcome.NotFound },
    };

    [Theory]
    [MemberData(nameof(LostRaces))]
    public async Task A_write_that_lost_a_race_counts_one_conflict_in_every_open_scope(string write, StorageOutcome outcome)
    {
        using var outer = StorageCallCounter.BeginScope();
        using var inner = StorageCallCounter.BeginScope();

        Assert.Equal(outcome, await WriteAsync(write));

        Assert.Equal((1, 1), (inner.Conflicts, outer.Conflicts));
    }

    [Theory]
    [MemberData(nameof(NoRaces))]
    public async Task A_write_that_lost_no_race_counts_no_conflict(string write, StorageOutcome outcome)
    {
        using var scope = StorageCallCounter.BeginScope();

        Assert.Equal(outcome, await WriteAsync(write));

        Assert.Equal(0, scope.Conflicts);
    }

    /// <summary>Carries out one named write and returns its outcome.</summary>
    private async Task<StorageOutcome> WriteAsync(string write)
    {
        var current = (await _table.GetEntityAsync(Pk, "row"))!.ETag;
        return write switch
        {
            "insert on taken keys" => (await _table.AddEntityAsync(Entity(Pk, "row"))).Outcome,
            "merge with a stale etag" => (await _table.UpdateEntityAsync(Entity(Pk, "row", ("V", 3)), _stale)).Outcome,
            "replace with a stale etag" => (await _table.UpdateEntityAsync(Entity(Pk, "row"), _stale, TableUpdateMode.Replace)).Outcome,
            "delete with a stale etag" => (await _table.DeleteEntityAsync(Pk, "row", _stale)).Outcome,
            "transaction insert on taken keys" => (await _table.SubmitTransactionAsync([TableActions.Add(Entity(Pk, "new")), TableActions.Add(Entity(Pk, "row"))])).Outcome,
            "transaction merge with a stale etag" => (await _table.SubmitTransactionAsync([TableActions.Merge(Entity(Pk, "row"), _stale)])).Outcome,
            "transaction delete of a row removed since it was read" => await DeleteAfterAnotherDeleteAsync(current),
            "insert" => (await _table.AddEntityAsync(Entity(Pk, "new"))).Outcome,
            "merge with the current etag" => (await _table.UpdateEntityAsync(Entity(Pk, "row", ("V", 3)), current)).Outcome,
            "update of a missing row with etag all" => (await _table.UpdateEntityAsync(Entity(Pk, "missing"), ETag.All)).Outcome,
            "transaction" => (await _table.SubmitTransactionAsync([TableActions.Merge(Entity(Pk, "row"), current)])).Outcome,
            "transaction delete of a missing row with etag all" => (await _table.SubmitTransactionAsync([TableActions.Delete(Pk, "missing", ETag.All)])).Outcome,
            _ => throw new ArgumentOutOfRangeException(nameof(write), write, "No such write."),
        };
    }

    /// <summary>Two claimers read the same row and both delete it: the second one's 404 is a lost race.</summary>
    private async Task<StorageOutcome> DeleteAfterAnotherDeleteAsync(ETag read)
    {
        Assert.True((await _table.DeleteEntityAsync(Pk, "row", read)).Succeeded);
        return (await _table.SubmitTransactionAsync([TableActions.Delete(Pk, "row", read)])).Outcome;
    }
}
