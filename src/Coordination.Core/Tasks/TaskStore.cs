using Azure;
using Azure.Data.Tables;
using System.Runtime.CompilerServices;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>What became of a committed set of transitions.</summary>
public enum TaskCommit
{
    /// <summary>Applied, with its events; waiters were woken.</summary>
    Committed,

    /// <summary>
    /// Nothing applied: a task row (or the ready row a claim counted on) changed or went since it was read. Read again and
    /// decide again.
    /// </summary>
    LostRace,

    /// <summary>Nothing applied: the idempotency key being inserted exists, so the request was made before.</summary>
    KeyTaken,

    /// <summary>
    /// Nothing applied: an index row was not as the task row says (a lease row gone while its task is claimed, say: a swarm
    /// being deleted batch by batch). Whatever the caller held is gone.
    /// </summary>
    Inconsistent,
}

/// <summary>
/// Typed reads of the task rows and the one commit path of every task change: any set of <see cref="TaskTransition"/>s
/// (a completion and the dependents it unblocks, a claim of several tasks) goes out as one transaction, then the log is
/// told and, when a task became claimable, the claimers waiting on the swarm are woken.
/// </summary>
public sealed class TaskStore(TableStore table, EventLog events, KeyedSignal signal, ClaimCandidates candidates)
{
    /// <summary>The in-process signal key for "a task may have become claimable in this swarm", for claimers of any type.</summary>
    public static string ReadySignal(string swarmId) => swarmId + "\ntasks";

    /// <summary>
    /// The signal key for "a task of <paramref name="type"/> may have become claimable": a claimer that names its types
    /// waits on these only, so an enqueue wakes the claimers that can take it rather than every idle claimer of the swarm
    /// (each woken claimer costs a query).
    /// </summary>
    public static string ReadySignal(string swarmId, string type) => swarmId + "\ntasks\n" + type;

    /// <summary>The task, or null (also for an id that cannot be one).</summary>
    public async Task<TaskRow?> FindAsync(string swarmId, string taskId, CancellationToken cancellationToken) =>
        TaskInput.IsTaskId(taskId) && await table.GetEntityAsync(swarmId, TaskRows.TaskKey(taskId), cancellationToken: cancellationToken).ConfigureAwait(false) is { } entity
            ? TaskRows.From(entity)
            : null;

    /// <summary>The task, or 404 <c>not_found</c>.</summary>
    public async Task<TaskRow> ReadAsync(string swarmId, string taskId, CancellationToken cancellationToken) =>
        await FindAsync(swarmId, taskId, cancellationToken).ConfigureAwait(false)
        ?? throw new ProblemException(ProblemCatalog.NotFound, $"No task '{taskId}'.");

    /// <summary>Several tasks read at once, in the order asked (null where missing).</summary>
    public async Task<TaskRow?[]> FindAllAsync(string swarmId, IEnumerable<string> taskIds, CancellationToken cancellationToken) =>
        await Task.WhenAll(taskIds.Select(id => FindAsync(swarmId, id, cancellationToken))).ConfigureAwait(false);

    /// <summary>
    /// Task (or ready) rows matching a filter of <see cref="TaskRows"/>, in key order: at most <paramref name="max"/>, from at
    /// most <paramref name="maxPages"/> pages (a filtered page can come back empty and still continue).
    /// </summary>
    public async Task<List<TaskRow>> QueryAsync(string filter, int max, CancellationToken cancellationToken, int maxPages = int.MaxValue) =>
        (await QueryHeadAsync(filter, max, cancellationToken, maxPages).ConfigureAwait(false)).Rows;

    /// <summary>As <see cref="QueryAsync"/>, and whether the rows are all that match (no page was left unread).</summary>
    public async Task<(List<TaskRow> Rows, bool All)> QueryHeadAsync(string filter, int max, CancellationToken cancellationToken, int maxPages = int.MaxValue)
    {
        var found = new List<TaskRow>();
        var pages = 0;
        await foreach (var page in table.QueryAsync(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            found.AddRange(page.Values.Take(max - found.Count).Select(TaskRows.From));
            if (found.Count >= max || ++pages >= maxPages)
            {
                return (found, found.Count < max && page.ContinuationToken is null);
            }
        }
        return (found, true);
    }

    /// <summary>
    /// One page of task rows after <paramref name="continuation"/> (a service continuation token), and the token of the
    /// next; a filtered page may come back empty and still continue, so up to ten pages are read to find one row.
    /// </summary>
    public async Task<(List<TaskRow> Rows, string? Next)> PageAsync(string filter, int limit, string? continuation, CancellationToken cancellationToken)
    {
        var rows = new List<TaskRow>();
        for (var pages = 0; pages < 10; pages++)
        {
            await foreach (var page in table.QueryAsync(filter, maxPerPage: limit, cancellationToken: cancellationToken).AsPages(continuation, limit).ConfigureAwait(false))
            {
                rows.AddRange(page.Values.Select(TaskRows.From));
                continuation = page.ContinuationToken;
                break;
            }
            if (rows.Count > 0 || continuation is null)
            {
                break;
            }
        }
        return (rows, continuation);
    }

    /// <summary>Compact lines of the swarm's tasks in creation order, at most <paramref name="max"/>; true when there are more.</summary>
    public async Task<(List<TaskSummary> Tasks, bool More)> SummariesAsync(string swarmId, int max, CancellationToken cancellationToken)
    {
        var summaries = new List<TaskSummary>();
        await foreach (var entity in table.QueryAsync(TaskRows.ListFilter(swarmId, null, null, null, null), TaskRows.SummaryColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (summaries.Count == max)
            {
                return (summaries, true);
            }
            summaries.Add(TaskRows.SummaryFrom(entity));
        }
        return (summaries, false);
    }

    /// <summary>How many of the swarm's tasks are in each status.</summary>
    public async Task<Dictionary<TaskStatus, int>> CountByStatusAsync(string swarmId, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<TaskStatus, int>();
        await foreach (var entity in table.QueryAsync(TaskRows.ListFilter(swarmId, null, null, null, null), TaskRows.StatusColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var status = TaskRows.StatusFrom(entity);
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }
        return counts;
    }

    /// <summary>Lease rows matching a filter of <see cref="TaskRows"/>, soonest expiry first, at most <paramref name="max"/>.</summary>
    public async IAsyncEnumerable<LeaseRow> QueryLeasesAsync(string filter, int max, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var found = 0;
        await foreach (var entity in table.QueryAsync(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return TaskRows.LeaseFrom(entity);
            if (++found >= max)
            {
                yield break;
            }
        }
    }

    /// <summary>The idempotency row of <paramref name="key"/>, or null.</summary>
    public async Task<TaskKeyRow?> FindKeyAsync(string swarmId, string key, CancellationToken cancellationToken) =>
        await table.GetEntityAsync(swarmId, TaskRows.IdempotencyKey(key), cancellationToken: cancellationToken).ConfigureAwait(false) is { } entity
            ? TaskRows.KeyFrom(entity, key)
            : null;

    /// <summary>
    /// Claims an idempotency key for <paramref name="row"/>'s tasks; the row stored first when the key was taken before. A key
    /// row deleted between the failed insert and the read (its single task was deleted) is claimed again.
    /// </summary>
    public Task<TaskKeyRow> ClaimKeyAsync(TaskKeyRow row, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var added = await table.AddEntityAsync(TaskRows.ToEntity(row), ct).ConfigureAwait(false);
            return added.Succeeded ? row : await FindKeyAsync(row.SwarmId, row.Key, ct).ConfigureAwait(false);
        }, $"idempotency key '{row.Key}'", cancellationToken);

    /// <summary>Removes a lease row left behind by a lease that already ended, if it is still as read.</summary>
    public async Task RemoveLeftoverAsync(LeaseRow lease, CancellationToken cancellationToken) =>
        await table.DeleteEntityAsync(lease.SwarmId, TaskRows.LeaseKey(lease.ExpiresAt, lease.TaskId), lease.ETag, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Commits the transitions that change something, and any <paramref name="extra"/> operations (a new task's rows), in
    /// one transaction of the swarm; <paramref name="claimableTypes"/> are the types of the claimable tasks the extra rows add.
    /// </summary>
    public async Task<TaskCommit> CommitAsync(string swarmId, IReadOnlyList<TaskTransition> transitions, CancellationToken cancellationToken,
        IReadOnlyList<TableTransactionAction>? extra = null, IReadOnlyCollection<string>? claimableTypes = null)
    {
        var changing = transitions.Where(t => t.Changes).ToList();
        List<TableTransactionAction> actions = [.. changing.SelectMany(t => t.Actions(events)), .. extra ?? []];
        if (actions.Count == 0)
        {
            return TaskCommit.Committed;
        }
        var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return Classify(actions[result.FailedIndex!.Value], result.Outcome);
        }
        events.Committed(swarmId, actions);
        var woken = (claimableTypes ?? []).Concat(changing.Where(t => t.MakesClaimable).Select(t => t.After!.Type)).Distinct(StringComparer.Ordinal).ToList();
        if (woken.Count == 0)
        {
            return TaskCommit.Committed;
        }
        // The pools first: a claimer woken by the pulses below must find the new rows there (pulsed first, a claimer woke
        // to a pool without them and slept until its next poll: 2 s, seen in 3% of enqueue → idle claimer cycles).
        candidates.Offer(swarmId, ReadyRowsOf(actions, result.ETags));
        foreach (var type in woken)
        {
            signal.Pulse(ReadySignal(swarmId, type));
        }
        signal.Pulse(ReadySignal(swarmId));
        return TaskCommit.Committed;
    }

    /// <summary>The ready rows a committed transaction wrote, as a claim would read them (the copy of the task, the new ETag).</summary>
    private static List<TaskRow> ReadyRowsOf(IReadOnlyList<TableTransactionAction> actions, IReadOnlyList<ETag> etags) =>
        [.. actions.Select((action, i) => (action, i))
            .Where(a => a.action.ActionType is TableTransactionActionType.Add or TableTransactionActionType.UpsertReplace
                        && a.action.Entity.RowKey.StartsWith(TaskRows.ReadyPrefix, StringComparison.Ordinal))
            .Select(a => TaskRows.From((TableEntity)a.action.Entity) with { ETag = etags[a.i] })];

    /// <summary>
    /// What a failed operation says. Task rows are written under the ETag read, and a claim deletes its ready row under the
    /// ETag read: a failure there is a lost race. An idempotency row is inserted to claim its key. Every other operation
    /// (index rows, events) follows from a task row that held, so its failure means the rows disagree.
    /// </summary>
    private static TaskCommit Classify(TableTransactionAction failed, StorageOutcome outcome)
    {
        var key = failed.Entity.RowKey;
        if (key.StartsWith(TaskRows.TaskPrefix, StringComparison.Ordinal) || key.StartsWith(TaskRows.ReadyPrefix, StringComparison.Ordinal))
        {
            return TaskCommit.LostRace;
        }
        return key.StartsWith(TaskRows.IdempotencyPrefix, StringComparison.Ordinal) && outcome == StorageOutcome.AlreadyExists
            ? TaskCommit.KeyTaken
            : TaskCommit.Inconsistent;
    }
}
