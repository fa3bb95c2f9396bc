using Azure;
using Coordination.Core.Events;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>How a transition writes the task row itself.</summary>
public enum TaskWrite
{
    /// <summary>Nothing changes.</summary>
    None,

    /// <summary>The whole row, under the ETag of the task row it was read from.</summary>
    Replace,

    /// <summary>
    /// A claim from a ready row: the ready row is deleted under the ETag it was read with (that delete makes the claimer
    /// the only one) and the lease fields are merged into the task row.
    /// </summary>
    ClaimFromReady,

    /// <summary>The row goes, under the ETag it was read with.</summary>
    Delete,
}

/// <summary>
/// One decided change of one task: the row before (as read, with its ETag) and after, its events, and how it is written.
/// The index rows follow from before and after (<see cref="Actions"/>): a ready row exists exactly while the task is
/// pending, a lease row exactly while it is claimed, so no rule can forget to move them.
/// </summary>
/// <param name="Before">The row as read.</param>
/// <param name="After">The row as it will be; null when deleted.</param>
/// <param name="Write">How the task row is written.</param>
/// <param name="Events">The events the change appends.</param>
public sealed record TaskTransition(TaskRow Before, TaskRow? After, TaskWrite Write, IReadOnlyList<PendingEvent> Events)
{
    /// <summary>The condition on the old lease row when this transition removes it (the sweep and takeovers read it); else any version.</summary>
    public ETag LeaseETag { get; init; } = ETag.All;

    /// <summary>True when there is something to commit.</summary>
    public bool Changes => Write != TaskWrite.None;

    /// <summary>True when the task becomes claimable (claimers waiting on the swarm are woken).</summary>
    public bool MakesClaimable => After?.Status == TaskStatus.Pending;

    /// <summary>A transition that changes nothing (an idempotent repeat, or nothing left to do).</summary>
    public static TaskTransition Unchanged(TaskRow row) => new(row, row, TaskWrite.None, []);

    /// <summary>The transaction's operations for this transition, its events appended through <paramref name="events"/>.</summary>
    public IEnumerable<TableTransactionAction> Actions(EventLog events)
    {
        var swarmId = Before.SwarmId;
        var taskKey = TaskRows.TaskKey(Before.TaskId);
        switch (Write)
        {
            case TaskWrite.None:
                yield break;
            case TaskWrite.ClaimFromReady:
                yield return TableActions.Delete(swarmId, TaskRows.ReadyKey(Before), Before.ETag);
                yield return TableActions.Merge(TaskRows.ClaimPatch(After!), ETag.All);
                break;
            case TaskWrite.Delete:
                yield return TableActions.Delete(swarmId, taskKey, Before.ETag);
                break;
            default:
                yield return TableActions.Replace(TaskRows.ToEntity(After!), Before.ETag);
                break;
        }
        foreach (var index in IndexActions())
        {
            yield return index;
        }
        if (Write == TaskWrite.Delete && Before.IdempotencyKey is { } key)
        {
            yield return TableActions.Delete(swarmId, TaskRows.IdempotencyKey(key), ETag.All);
        }
        foreach (var pending in Events)
        {
            yield return events.Append(swarmId, pending);
        }
    }

    private IEnumerable<TableTransactionAction> IndexActions()
    {
        var swarmId = Before.SwarmId;
        var readyBefore = Write != TaskWrite.ClaimFromReady && Before.Status == TaskStatus.Pending ? TaskRows.ReadyKey(Before) : null;
        var readyAfter = After?.Status == TaskStatus.Pending ? TaskRows.ReadyKey(After) : null;
        if (readyBefore is not null && readyBefore != readyAfter)
        {
            yield return TableActions.Delete(swarmId, readyBefore, ETag.All);
        }
        if (readyAfter is not null)
        {
            // Also when the key stays: the ready row is a copy of the task, and the copy must follow the change.
            yield return TableActions.UpsertReplace(TaskRows.ToReadyEntity(After!));
        }
        var leaseBefore = Before.Status == TaskStatus.Claimed ? TaskRows.LeaseKey(Before) : null;
        var leaseAfter = After?.Status == TaskStatus.Claimed ? TaskRows.LeaseKey(After) : null;
        if (leaseBefore is not null && leaseBefore != leaseAfter)
        {
            yield return TableActions.Delete(swarmId, leaseBefore, LeaseETag);
        }
        if (leaseAfter is not null && leaseAfter != leaseBefore)
        {
            yield return TableActions.Add(TaskRows.ToLeaseEntity(After!));
        }
    }
}
