using Azure;
using Azure.Data.Tables;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Tasks;
using Coordination.Storage.Tables;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.UnitTests.Core;

/// <summary>The task rows' one mapper, and the index rows a transition derives from the task before and after.</summary>
public sealed class TaskRowsTests
{
    private static readonly DateTimeOffset Now = StoredEntities.Now;

    private static readonly TaskRow Claimed = new()
    {
        SwarmId = "swarm_x", TaskId = "task_0abc", Type = "build", Title = "Compile", Description = "all of it", Payload = "{\"n\":1}",
        Priority = 7, Status = TaskStatus.Claimed, Remaining = 0, AssignedTo = "a", Owner = "a", Attempts = 2, MaxAttempts = 3,
        FencingToken = 9_000_000_000L, NotBefore = Now.AddMinutes(-5), ReadyAt = Now.AddMinutes(-1), Dependencies = ["task_0dep"],
        Dependents = ["task_0next"], LeaseId = "lease_1", LeaseExpiresAt = Now.AddSeconds(30), LeaseSeconds = 30, ClaimedAt = Now,
        LastError = "first try failed", IdempotencyKey = "key/1", CreatedAt = Now.AddHours(-1), UpdatedAt = Now, CreatedBy = "boss",
    };

    [Fact]
    public void A_task_row_round_trips_every_field()
    {
        var read = TaskRows.From(StoredEntities.AsRead(TaskRows.ToEntity(Claimed)));

        Assert.Equal(Claimed with { ETag = StoredEntities.ReadETag, Dependencies = read.Dependencies, Dependents = read.Dependents }, read);
        Assert.Equal(["task_0dep"], read.Dependencies);
        Assert.Equal(["task_0next"], read.Dependents);
        Assert.Equal(TaskRows.TaskKey("task_0abc"), TaskRows.ToEntity(Claimed).RowKey);
    }

    [Fact]
    public void A_ready_row_is_a_full_copy_keyed_by_priority_then_readiness()
    {
        var pending = Claimed with { Status = TaskStatus.Pending, Owner = null };

        var ready = TaskRows.ToReadyEntity(pending);

        Assert.Equal($"ready|2|{pending.ReadyAt.UtcTicks:D19}|task_0abc", ready.RowKey);
        Assert.Equal(pending with { Dependencies = [], Dependents = [] }, TaskRows.From(ready) with { Dependencies = [], Dependents = [] });
    }

    [Fact]
    public void Nobody_is_stored_as_an_empty_assignee_and_owner_so_filters_can_match_it()
    {
        var entity = TaskRows.ToEntity(Claimed with { AssignedTo = null, Owner = null });

        Assert.Equal(("", ""), (entity.GetString("AssignedTo"), entity.GetString("Owner")));
        Assert.Equal(((string?)null, (string?)null), (TaskRows.From(entity).AssignedTo, TaskRows.From(entity).Owner));
    }

    [Fact]
    public void A_status_this_version_does_not_know_fails_loudly_instead_of_becoming_cancelled()
    {
        var entity = TaskRows.ToEntity(Claimed).With("Status", "paused");

        var error = Assert.Throws<StoredRowException>(() => TaskRows.From(entity));

        Assert.Contains("paused", error.Message);
        Assert.Throws<StoredRowException>(() => TaskRows.StatusFrom(entity));
    }

    [Theory]
    [InlineData("Type")]
    [InlineData("Priority")]
    [InlineData("Status")]
    [InlineData("Remaining")]
    [InlineData("Attempts")]
    [InlineData("FencingToken")]
    [InlineData("ReadyAt")]
    [InlineData("Dependencies")]
    [InlineData("CreatedBy")]
    public void A_missing_required_property_fails_loudly(string property)
    {
        var entity = TaskRows.ToEntity(Claimed);
        ((IDictionary<string, object>)entity).Remove(property);

        var error = Assert.Throws<StoredRowException>(() => TaskRows.From(entity));

        Assert.Contains(property, error.Message);
    }

    [Fact]
    public void A_dependency_list_that_is_not_a_json_list_of_ids_fails_loudly()
    {
        Assert.Throws<StoredRowException>(() => TaskRows.From(TaskRows.ToEntity(Claimed).With("Dependencies", "not json")));
    }

    [Fact]
    public void A_claim_from_a_ready_row_deletes_it_under_its_etag_merges_the_lease_fields_and_adds_the_lease_row()
    {
        var ready = Claimed with { Status = TaskStatus.Pending, Owner = null, AssignedTo = null, ETag = new ETag("ready-etag") };
        var claim = LeaseRules.Decide(ready, new ClaimTask("b", "lease_2", TimeSpan.FromSeconds(60), "b"), Now);

        var actions = claim.Actions(Events()).ToList();

        Assert.Equal(
            [
                (TableTransactionActionType.Delete, TaskRows.ReadyKey(ready), new ETag("ready-etag")),
                (TableTransactionActionType.UpdateMerge, TaskRows.TaskKey("task_0abc"), ETag.All),
                (TableTransactionActionType.Add, TaskRows.LeaseKey(Now.AddSeconds(60), "task_0abc"), default),
                (TableTransactionActionType.Add, actions[3].Entity.RowKey, default),
            ],
            actions.Select(a => (a.ActionType, a.Entity.RowKey, a.ETag)));
        Assert.StartsWith("outbox|", actions[3].Entity.RowKey, StringComparison.Ordinal);
        Assert.False(((TableEntity)actions[1].Entity).ContainsKey("Dependents"));   // the copy's dependents may be stale
    }

    [Fact]
    public void Ending_a_lease_replaces_the_task_under_its_etag_removes_the_lease_row_and_adds_a_ready_row()
    {
        var task = Claimed with { ETag = new ETag("task-etag") };
        var release = LeaseRules.Decide(task, new ReleaseTask(new LeaseHolder("a", false, "lease_1", null), null, "a"), Now);

        var actions = release.Actions(Events()).ToList();

        Assert.Equal(
            [
                (TableTransactionActionType.UpdateReplace, TaskRows.TaskKey("task_0abc"), new ETag("task-etag")),
                (TableTransactionActionType.UpsertReplace, TaskRows.ReadyKey(release.After!), default),
                (TableTransactionActionType.Delete, TaskRows.LeaseKey(task), ETag.All),
            ],
            actions.Take(3).Select(a => (a.ActionType, a.Entity.RowKey, a.ETag)));
        Assert.Equal(Now, release.After!.ReadyAt);
    }

    [Fact]
    public void The_sweep_ends_a_lease_conditional_on_the_lease_row_it_read()
    {
        var task = Claimed with { LeaseExpiresAt = Now.AddSeconds(-1), ETag = new ETag("task-etag") };
        var expiry = LeaseRules.Decide(task, new ExpireLease(), Now) with { LeaseETag = new ETag("lease-etag") };

        var leaseDelete = expiry.Actions(Events()).Single(a => a.Entity.RowKey.StartsWith(TaskRows.LeasePrefix, StringComparison.Ordinal));

        Assert.Equal((TableTransactionActionType.Delete, new ETag("lease-etag")), (leaseDelete.ActionType, leaseDelete.ETag));
    }

    [Fact]
    public void A_deleted_task_takes_its_index_rows_and_its_idempotency_key_with_it()
    {
        var pending = Claimed with { Status = TaskStatus.Pending, Owner = null, ETag = new ETag("task-etag") };

        var actions = LeaseRules.Decide(pending, new DeleteTask(false, true, "boss"), Now).Actions(Events()).ToList();

        Assert.Equal(
            [TaskRows.TaskKey("task_0abc"), TaskRows.ReadyKey(pending), TaskRows.IdempotencyKey("key/1")],
            actions.Where(a => a.ActionType == TableTransactionActionType.Delete).Select(a => a.Entity.RowKey));
    }

    [Fact]
    public void An_edit_of_a_pending_task_rewrites_its_ready_copy_and_moves_it_when_the_priority_changes()
    {
        var pending = Claimed with { Status = TaskStatus.Pending, Owner = null, ETag = new ETag("task-etag") };

        var retitled = LeaseRules.Decide(pending, new EditTask("New", null, null, null, "boss"), Now).Actions(Events()).Select(a => (a.ActionType, a.Entity.RowKey)).ToList();
        var reprioritised = LeaseRules.Decide(pending, new EditTask(null, null, 9, null, "boss"), Now);

        Assert.Contains((TableTransactionActionType.UpsertReplace, TaskRows.ReadyKey(pending)), retitled);
        Assert.DoesNotContain(retitled, a => a.ActionType == TableTransactionActionType.Delete);
        Assert.Equal(
            [(TableTransactionActionType.Delete, TaskRows.ReadyKey(pending)), (TableTransactionActionType.UpsertReplace, TaskRows.ReadyKey(reprioritised.After!))],
            reprioritised.Actions(Events()).Where(a => a.Entity.RowKey.StartsWith(TaskRows.ReadyPrefix, StringComparison.Ordinal)).Select(a => (a.ActionType, a.Entity.RowKey)));
    }

    private static EventLog Events() => new(null!, null!, null!, TimeProvider.System);
}
