using System.Text;
using Azure;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>A compact task line for the snapshot list.</summary>
public sealed record TaskSummary(string TaskId, string Type, string Title, TaskStatus Status, int Priority, string? Owner, string? AssignedTo, int Attempts, DateTimeOffset UpdatedAt);

/// <summary>The snapshot list.</summary>
/// <param name="Tasks">Up to 1000 tasks in creation order.</param>
/// <param name="Truncated">True when the swarm has more.</param>
public sealed record TaskSnapshot(IReadOnlyList<TaskSummary> Tasks, bool Truncated);

/// <summary>Reading task lists and stats, and the coordinator's operations: update, reassign, delete, requeue, recover.</summary>
public sealed class TaskAdmin(TableStore table, TaskService tasks, TaskLeases leases, EventLog events, KeyedSignal signal, TimeProvider clock) : IMemberDepartureHandler
{
    /// <summary>Most tasks a snapshot lists.</summary>
    public const int SnapshotLimit = 1000;

    /// <summary>A page of tasks in creation order; the cursor resumes exactly after the last one, whatever is added meanwhile.</summary>
    public async Task<TaskPage> ListAsync(string swarmId, TaskStatus? status, string? type, string? assignedTo, string? owner, int limit, string? cursor, CancellationToken cancellationToken)
    {
        Validation.InRange(limit, "limit", 1, 1000);
        var filter = TableFilter.RowKeyPrefix(swarmId, TaskRows.TaskPrefix);
        if (status is { } s)
        {
            filter += $" and Status eq {TableFilter.Literal(TaskRows.StatusText(s))}";
        }
        if (type is not null)
        {
            filter += $" and Type eq {TableFilter.Literal(TaskService.ValidateType(type, "type"))}";
        }
        if (assignedTo is not null)
        {
            filter += $" and AssignedTo eq {TableFilter.Literal(assignedTo)}";
        }
        if (owner is not null)
        {
            filter += $" and Owner eq {TableFilter.Literal(owner)}";
        }
        var token = cursor is null ? null : DecodeCursor(cursor);
        var found = new List<TaskView>();
        // A filtered page can come back empty with a continuation; keep going a bounded number of pages.
        for (var pages = 0; pages < 10; pages++)
        {
            await foreach (var page in table.QueryAsync(filter, maxPerPage: limit, cancellationToken: cancellationToken).AsPages(token, limit).ConfigureAwait(false))
            {
                found.AddRange(page.Values.Select(r => TaskRows.ToView(r)));
                token = page.ContinuationToken;
                break;
            }
            if (found.Count > 0 || token is null)
            {
                break;
            }
        }
        return new TaskPage(found, token is null ? null : EncodeCursor(token));
    }

    /// <summary>Every task (up to <see cref="SnapshotLimit"/>) in one compact list.</summary>
    public async Task<TaskSnapshot> SnapshotAsync(string swarmId, CancellationToken cancellationToken)
    {
        var summaries = new List<TaskSummary>();
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, TaskRows.TaskPrefix),
                           ["TaskId", "Type", "Title", "Status", "Priority", "Owner", "AssignedTo", "Attempts", "UpdatedAt"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (summaries.Count == SnapshotLimit)
            {
                return new TaskSnapshot(summaries, true);
            }
            var view = TaskRows.ToView(WithDefaults(row));
            summaries.Add(new TaskSummary(view.TaskId, view.Type, view.Title, view.Status, view.Priority, view.Owner, view.AssignedTo, view.Attempts, view.UpdatedAt));
        }
        return new TaskSnapshot(summaries, false);
    }

    /// <summary>Counts per state, from the task rows themselves.</summary>
    public async Task<TaskStats> StatsAsync(string swarmId, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<TaskStatus, int>();
        await foreach (var row in table.QueryAsync(TableFilter.RowKeyPrefix(swarmId, TaskRows.TaskPrefix), ["Status"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var status = TaskRows.StatusOf(row);
            counts[status] = counts.GetValueOrDefault(status) + 1;
        }
        int C(TaskStatus s) => counts.GetValueOrDefault(s);
        return new TaskStats(C(TaskStatus.Pending), C(TaskStatus.Blocked), C(TaskStatus.Claimed), C(TaskStatus.Completed), C(TaskStatus.Failed),
            C(TaskStatus.DeadLettered), C(TaskStatus.Cancelled), counts.Values.Sum());
    }

    /// <summary>Task events (<c>task.*</c>) after a sequence and/or since a time.</summary>
    public Task<IReadOnlyList<SwarmEvent>> EventsAsync(string swarmId, DateTimeOffset? since, long after, int limit, CancellationToken cancellationToken) =>
        events.ReadAsync(swarmId, new EventQuery(after, Since: since, Limit: Validation.InRange(limit, "limit", 1, 1000), Patterns: TypePattern.ParseAll(["task.*"], "type")), cancellationToken);

    /// <summary>Coordinator edits: title, description, priority, cancel or un-cancel.</summary>
    public async Task<TaskView> UpdateAsync(string swarmId, Caller caller, string taskId, UpdateTaskRequest request, CancellationToken cancellationToken)
    {
        var row = await tasks.ReadAsync(swarmId, taskId, cancellationToken).ConfigureAwait(false);
        var status = TaskRows.StatusOf(row);
        var now = clock.GetUtcNow();
        var update = new TableEntity(swarmId, row.RowKey) { ["UpdatedAt"] = now };
        if (request.Title is not null)
        {
            update["Title"] = Validation.RequiredText(request.Title, "title", 200);
        }
        if (request.Description is not null)
        {
            update["Description"] = Validation.OptionalText(request.Description, "description", 4000);
        }
        if (request.Priority is not null)
        {
            update["Priority"] = TaskService.ParsePriority(request.Priority, "priority");
        }
        var next = status;
        var type = "task.updated";
        if (request.Status is { } wanted && wanted != status)
        {
            next = (status, wanted) switch
            {
                (TaskStatus.Pending or TaskStatus.Blocked, TaskStatus.Cancelled) => TaskStatus.Cancelled,
                (TaskStatus.Cancelled, TaskStatus.Pending) => (row.GetInt32("Remaining") ?? 0) > 0 ? TaskStatus.Blocked : TaskStatus.Pending,
                _ => throw InvalidTransition(taskId, status, $"status {TaskRows.StatusText(wanted)}"),
            };
            update["Status"] = TaskRows.StatusText(next);
            type = next == TaskStatus.Cancelled ? "task.cancelled" : "task.updated";
        }
        var actions = new List<TableTransactionAction> { TableActions.Merge(update, row.ETag) };
        actions.AddRange(MoveReadyRow(row, status, update, next, now));
        var after = TaskLeases.Apply(row, update);
        actions.Add(events.Append(swarmId, PendingEvent.Of(type, taskId, new { taskId, status = TaskRows.StatusText(next), title = request.Title, priority = after.GetInt32("Priority") }, caller.Actor)));
        await CommitAsync(swarmId, taskId, actions, next == TaskStatus.Pending, cancellationToken).ConfigureAwait(false);
        return TaskRows.ToView(after);
    }

    /// <summary>Assigns (or unassigns) a task; a claimed task held by someone else needs <paramref name="request"/>.Force.</summary>
    public async Task<TaskView> ReassignAsync(string swarmId, Caller caller, string taskId, ReassignTaskRequest request, CancellationToken cancellationToken)
    {
        var assignee = request.AssignedTo is null ? string.Empty : Validation.Identifier(request.AssignedTo, "assignedTo");
        var row = await tasks.ReadAsync(swarmId, taskId, cancellationToken).ConfigureAwait(false);
        if (TaskRows.StatusOf(row) == TaskStatus.Claimed && row.GetString("Owner") != assignee)
        {
            if (!request.Force)
            {
                throw InvalidTransition(taskId, TaskStatus.Claimed, $"reassignment while {row.GetString("Owner")} holds it (use force=true)");
            }
            // One transaction: ending the lease and assigning apart would leave the task claimable by anyone in between.
            var (after, actions) = leases.ForceBackActions(swarmId, row, "reassigned", caller.Actor, merged => merged["AssignedTo"] = assignee);
            actions.Add(ReassignedEvent(swarmId, taskId, assignee, caller.Actor));
            await CommitAsync(swarmId, taskId, actions, TaskRows.StatusOf(after) == TaskStatus.Pending, cancellationToken).ConfigureAwait(false);
            return TaskRows.ToView(after);
        }
        return await AssignAsync(swarmId, row, assignee, caller.Actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a task; a claimed one only with <paramref name="force"/> (coordinator).</summary>
    public async Task DeleteAsync(string swarmId, Caller caller, string taskId, bool force, CancellationToken cancellationToken)
    {
        var row = await tasks.ReadAsync(swarmId, taskId, cancellationToken).ConfigureAwait(false);
        var status = TaskRows.StatusOf(row);
        if (status == TaskStatus.Claimed && !(force && caller.HasRole(Role.Coordinator)))
        {
            throw force ? new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may force the deletion of a claimed task.")
                : InvalidTransition(taskId, status, "deletion while claimed (a coordinator may use force=true)");
        }
        var actions = new List<TableTransactionAction> { TableActions.Delete(swarmId, row.RowKey, row.ETag) };
        actions.AddRange(MoveReadyRow(row, status, new TableEntity(swarmId, row.RowKey), TaskStatus.Cancelled, clock.GetUtcNow()));
        if (status == TaskStatus.Claimed)
        {
            actions.Add(TableActions.Delete(swarmId, TaskRows.LeaseKey(row.GetDateTimeOffset("LeaseExpiresAt")!.Value, taskId), ETag.All));
        }
        if (row.GetString("IdempotencyKey") is { Length: > 0 } key)
        {
            actions.Add(TableActions.Delete(swarmId, TaskRows.IdempotencyKey(key), ETag.All));
        }
        actions.Add(events.Append(swarmId, PendingEvent.Of("task.deleted", taskId, new { taskId, status = TaskRows.StatusText(status) }, caller.Actor)));
        await CommitAsync(swarmId, taskId, actions, false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts a dead-lettered or failed task back to pending with its attempts reset.</summary>
    public async Task<TaskView> RequeueAsync(string swarmId, Caller caller, string taskId, CancellationToken cancellationToken)
    {
        var row = await tasks.ReadAsync(swarmId, taskId, cancellationToken).ConfigureAwait(false);
        var status = TaskRows.StatusOf(row);
        if (status is not (TaskStatus.DeadLettered or TaskStatus.Failed))
        {
            throw InvalidTransition(taskId, status, "requeue (only dead-lettered or failed tasks)");
        }
        var now = clock.GetUtcNow();
        var update = new TableEntity(swarmId, row.RowKey) { ["Status"] = TaskRows.StatusText(TaskStatus.Pending), ["Attempts"] = 0, ["ReadyAt"] = now, ["UpdatedAt"] = now };
        var after = TaskLeases.Apply(row, update);
        await CommitAsync(swarmId, taskId,
        [
            TableActions.Merge(update, row.ETag),
            TableActions.Add(TaskRows.CopyAs(after, TaskRows.ReadyKey(after.GetInt32("Priority") ?? 5, now, taskId))),
            events.Append(swarmId, PendingEvent.Of("task.requeued", taskId, new { taskId, from = TaskRows.StatusText(status) }, caller.Actor)),
        ], true, cancellationToken).ConfigureAwait(false);
        return TaskRows.ToView(after);
    }

    /// <summary>Claimed tasks held longer than the threshold go back to the queue; a dry run lists exactly those.</summary>
    public async Task<RecoveredTasks> RecoverAsync(string swarmId, Caller caller, RecoverTasksRequest request, CancellationToken cancellationToken)
    {
        var threshold = TimeSpan.FromMinutes(Validation.InRange(request.StuckThresholdMinutes, "stuckThresholdMinutes", 1, 10080));
        var cutoff = clock.GetUtcNow() - threshold;
        var filter = $"{TableFilter.RowKeyPrefix(swarmId, TaskRows.TaskPrefix)} and Status eq 'claimed' and ClaimedAt lt {TableFilter.Literal(cutoff)}";
        var stuck = new List<TableEntity>();
        await foreach (var row in table.QueryAsync(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            stuck.Add(row);
        }
        if (request.DryRun)
        {
            return new RecoveredTasks(true, stuck.Select(r => r.GetString("TaskId")!).ToList());
        }
        var moved = new List<string>();
        foreach (var row in stuck)
        {
            if (await leases.ForceBackAsync(swarmId, row, "recovered", caller.Actor, cancellationToken).ConfigureAwait(false))
            {
                moved.Add(row.GetString("TaskId")!);
            }
        }
        return new RecoveredTasks(false, moved);
    }

    /// <summary>
    /// A departing member's claimed tasks go back to the queue and its assignments are cleared. A task changed meanwhile
    /// (edited, say) is decided again on a fresh read, so it is neither left leased to an agent that is gone nor does
    /// it fail the departure; one that finished or went away meanwhile is left alone.
    /// </summary>
    public async Task ReleaseAsync(string swarmId, string agentId, Caller by, CancellationToken cancellationToken)
    {
        var prefix = TableFilter.RowKeyPrefix(swarmId, TaskRows.TaskPrefix);
        await foreach (var row in table.QueryAsync($"{prefix} and Status eq 'claimed' and Owner eq {TableFilter.Literal(agentId)}", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await UntilSettledAsync(swarmId, row, async (task, ct) =>
                !(TaskRows.StatusOf(task) == TaskStatus.Claimed && task.GetString("Owner") == agentId)
                || await leases.ForceBackAsync(swarmId, task, "member_left", by.Actor, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        await foreach (var row in table.QueryAsync($"{prefix} and AssignedTo eq {TableFilter.Literal(agentId)}", cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await UntilSettledAsync(swarmId, row, async (task, ct) =>
                !(task.GetString("AssignedTo") == agentId && TaskRows.StatusOf(task) is TaskStatus.Pending or TaskStatus.Blocked or TaskStatus.Claimed)
                || await TryAssignAsync(swarmId, task, string.Empty, by.Actor, ct).ConfigureAwait(false) is not null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="settle"/> (false: lost a race) on the queried row, then on fresh reads until it returns true or the task is gone.</summary>
    private Task UntilSettledAsync(string swarmId, TableEntity queried, Func<TableEntity, CancellationToken, Task<bool>> settle, CancellationToken cancellationToken)
    {
        var attempts = 0;
        return OptimisticRetry.RunAsync<object>(async ct =>
        {
            var row = attempts++ == 0 ? queried : await table.GetEntityAsync(swarmId, queried.RowKey, cancellationToken: ct).ConfigureAwait(false);
            var settled = row is null || await settle(row, ct).ConfigureAwait(false);
            return settled ? queried : null;
        }, $"task '{queried.GetString("TaskId")}'", cancellationToken);
    }

    private async Task<TaskView> AssignAsync(string swarmId, TableEntity row, string assignee, string actor, CancellationToken cancellationToken) =>
        await TryAssignAsync(swarmId, row, assignee, actor, cancellationToken).ConfigureAwait(false) ?? throw Changed(row.GetString("TaskId")!);

    /// <summary>Assigns the task as read; null when it changed since (nothing written).</summary>
    private async Task<TaskView?> TryAssignAsync(string swarmId, TableEntity row, string assignee, string actor, CancellationToken cancellationToken)
    {
        var taskId = row.GetString("TaskId")!;
        var status = TaskRows.StatusOf(row);
        var now = clock.GetUtcNow();
        var update = new TableEntity(swarmId, row.RowKey) { ["AssignedTo"] = assignee, ["UpdatedAt"] = now };
        var actions = new List<TableTransactionAction> { TableActions.Merge(update, row.ETag) };
        actions.AddRange(MoveReadyRow(row, status, update, status, now));
        var after = TaskLeases.Apply(row, update);
        actions.Add(ReassignedEvent(swarmId, taskId, assignee, actor));
        return await TryCommitAsync(swarmId, actions, status == TaskStatus.Pending, cancellationToken).ConfigureAwait(false) ? TaskRows.ToView(after) : null;
    }

    private TableTransactionAction ReassignedEvent(string swarmId, string taskId, string assignee, string actor) =>
        events.Append(swarmId, PendingEvent.Of("task.reassigned", taskId, new { taskId, assignedTo = assignee.Length == 0 ? null : assignee }, actor));

    /// <summary>
    /// Keeps the ready row a copy of the task: removed when the task leaves pending, rewritten when it stays or becomes
    /// pending. The ready row's key holds ReadyAt, so the ReadyAt it is written under goes into <paramref name="update"/>
    /// (the task row's merge) too: later moves find the ready row from the task row.
    /// </summary>
    private static List<TableTransactionAction> MoveReadyRow(TableEntity before, TaskStatus statusBefore, TableEntity update, TaskStatus statusAfter, DateTimeOffset now)
    {
        var taskId = before.GetString("TaskId")!;
        var actions = new List<TableTransactionAction>();
        if (statusBefore == TaskStatus.Pending)
        {
            actions.Add(TableActions.Delete(before.PartitionKey, TaskRows.ReadyKey(before.GetInt32("Priority") ?? 5, before.GetDateTimeOffset("ReadyAt")!.Value, taskId), ETag.All));
        }
        if (statusAfter == TaskStatus.Pending)
        {
            var readyAt = statusBefore == TaskStatus.Pending ? before.GetDateTimeOffset("ReadyAt")!.Value : TaskRows.ReadyTime(before, now);
            update["ReadyAt"] = readyAt;
            var after = TaskLeases.Apply(before, update);
            actions.Add(TableActions.UpsertReplace(TaskRows.CopyAs(after, TaskRows.ReadyKey(after.GetInt32("Priority") ?? 5, readyAt, taskId))));
        }
        return actions;
    }

    private async Task CommitAsync(string swarmId, string taskId, List<TableTransactionAction> actions, bool readyChanged, CancellationToken cancellationToken)
    {
        if (!await TryCommitAsync(swarmId, actions, readyChanged, cancellationToken).ConfigureAwait(false))
        {
            throw Changed(taskId);
        }
    }

    private async Task<bool> TryCommitAsync(string swarmId, List<TableTransactionAction> actions, bool readyChanged, CancellationToken cancellationToken)
    {
        // A claim can take the task between our read and this write; the task row's ETag catches it.
        var distinct = actions.GroupBy(a => a.Entity.RowKey).Select(g => g.Last()).ToList();
        if (!(await table.SubmitTransactionAsync(distinct, cancellationToken).ConfigureAwait(false)).Succeeded)
        {
            return false;
        }
        events.Committed(swarmId);
        if (readyChanged)
        {
            signal.Pulse(TaskLeases.ReadySignal(swarmId));
        }
        return true;
    }

    private static ProblemException Changed(string taskId) =>
        new(ProblemCatalog.Contention, $"Task '{taskId}' changed meanwhile (claimed, completed or edited); read it and retry.");

    private static TableEntity WithDefaults(TableEntity row)
    {
        row["CreatedAt"] ??= row.GetDateTimeOffset("UpdatedAt") ?? default;
        row["CreatedBy"] ??= string.Empty;
        return row;
    }

    private static ProblemException InvalidTransition(string taskId, TaskStatus status, string what) =>
        new(ProblemCatalog.InvalidTransition, $"Task '{taskId}' is {TaskRows.StatusText(status)}: {what} is not allowed.",
            new Dictionary<string, object?> { ["taskStatus"] = TaskRows.StatusText(status) });

    private static string EncodeCursor(string token) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(token));

    private static string DecodeCursor(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw Validation.Invalid("cursor", "is not a cursor this API returned.");
        }
    }
}
