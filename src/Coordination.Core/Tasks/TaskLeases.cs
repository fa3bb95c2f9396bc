using Azure;
using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>
/// Leasing: claim (one query and one transaction when uncontended), renew, release, complete, fail and expiry.
/// Every lease carries a fencing token that increases with each lease of the task, so a holder whose lease was
/// lost is refused even if it still has the lease id.
/// </summary>
public sealed class TaskLeases(TableStore table, EventLog events, KeyedSignal signal, CoordinationSettings settings, TimeProvider clock)
{
    /// <summary>How many ready rows past the requested count a contended claim spreads over.</summary>
    private const int Spread = 8;

    private const int MaxClaimRounds = 10;

    /// <summary>Most tasks one task can unblock atomically (each unblocked dependent adds three operations).</summary>
    public const int MaxDependents = 30;

    /// <summary>The in-process signal key for "a task may have become claimable in this swarm".</summary>
    public static string ReadySignal(string swarmId) => swarmId + "\ntasks";

    /// <summary>Claims up to <see cref="ClaimTasksRequest.Count"/> tasks, waiting up to <see cref="ClaimTasksRequest.Wait"/> seconds for one.</summary>
    public async Task<ClaimedTasks> ClaimAsync(string swarmId, Caller caller, ClaimTasksRequest request, CancellationToken cancellationToken)
    {
        var types = (request.Types ?? []).Select(t => TaskService.ValidateType(t, "types")).Distinct().ToList();
        if (types.Count > 10)
        {
            throw Validation.Invalid("types", "lists more than 10 types.");
        }
        var count = Validation.InRange(request.Count, "count", 1, 10);
        var lease = TimeSpan.FromSeconds(Validation.InRange(request.LeaseSeconds, "leaseSeconds", 5, 3600));
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(Validation.InRange(request.Wait, "wait", 0, 60));
        while (true)
        {
            // Taken before looking, so an enqueue between the look and the wait still wakes this claimer.
            var wake = signal.Next(ReadySignal(swarmId));
            var claimed = await TryClaimAsync(swarmId, caller, types, count, lease, cancellationToken).ConfigureAwait(false);
            var remaining = deadline - clock.GetUtcNow();
            if (claimed.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return new ClaimedTasks(claimed);
            }
            await KeyedSignal.WaitAsync(wake, remaining < settings.EventPollInterval ? remaining : settings.EventPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Completes the task with a result; dependents whose last dependency this was become claimable in the same transaction.</summary>
    public Task<TaskView> CompleteAsync(string swarmId, Caller caller, string taskId, CompleteTaskRequest request, CancellationToken cancellationToken) =>
        AsHolderAsync(swarmId, taskId, async (row, ct) =>
        {
            if (TaskRows.StatusOf(row) == TaskStatus.Completed && request.LeaseId is not null && row.GetString("LeaseId") == request.LeaseId)
            {
                return TaskRows.ToView(row);   // a repeated complete of the same lease
            }
            EnsureHolder(row, caller, request.LeaseId, request.FencingToken, request.Force);
            var result = Validation.Payload(request.Result, "result", TaskService.PayloadLimit);
            var now = clock.GetUtcNow();
            var done = Merge(row, now, TaskStatus.Completed);
            StoredJson.Write(done, "Result", result);
            done["CompletedAt"] = now;
            var actions = new List<TableTransactionAction>
            {
                TableActions.Merge(done, row.ETag),
                TableActions.Delete(swarmId, TaskRows.LeaseKey(row.GetDateTimeOffset("LeaseExpiresAt")!.Value, taskId), ETag.All),
                events.Append(swarmId, PendingEvent.Of("task.completed", taskId, new { taskId, owner = row.GetString("Owner"), attempt = row.GetInt32("Attempts") }, caller.Actor)),
            };
            var unblocked = await UnblockDependentsAsync(swarmId, row, now, caller.Actor, actions, ct).ConfigureAwait(false);
            var outcome = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                return LostRace(outcome, actions, taskId, "it changed while completing (expired, released or completed by another call)");
            }
            Committed(swarmId, unblocked > 0);
            return TaskRows.ToView(Apply(row, done));
        }, cancellationToken);

    /// <summary>Fails the attempt: back to pending while attempts remain (retryable), else dead-lettered; non-retryable is failed for good.</summary>
    public Task<TaskView> FailAsync(string swarmId, Caller caller, string taskId, FailTaskRequest request, CancellationToken cancellationToken) =>
        AsHolderAsync(swarmId, taskId, async (row, ct) =>
        {
            EnsureHolder(row, caller, request.LeaseId, request.FencingToken, request.Force);
            var error = Validation.OptionalText(request.Error, "error", 4000) ?? "failed";
            var attempts = row.GetInt32("Attempts") ?? 0;
            var next = !request.Retryable ? TaskStatus.Failed : attempts < (row.GetInt32("MaxAttempts") ?? 3) ? TaskStatus.Pending : TaskStatus.DeadLettered;
            var (merged, actions) = EndLease(swarmId, row, next, caller.Actor, "task.failed",
                new { taskId, owner = row.GetString("Owner"), attempt = attempts, error, retryable = request.Retryable, next = TaskRows.StatusText(next) },
                adjust: m => m["LastError"] = error);
            var outcome = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                return LostRace(outcome, actions, taskId, "it changed while failing");
            }
            Committed(swarmId, next == TaskStatus.Pending);
            return TaskRows.ToView(Apply(row, merged));
        }, cancellationToken);

    /// <summary>Gives the task back to the queue (the attempt still counts).</summary>
    public Task<TaskView> ReleaseAsync(string swarmId, Caller caller, string taskId, ReleaseTaskRequest request, CancellationToken cancellationToken) =>
        AsHolderAsync(swarmId, taskId, async (row, ct) =>
        {
            EnsureHolder(row, caller, request.LeaseId, request.FencingToken, request.Force);
            var reason = Validation.OptionalText(request.Reason, "reason", 1000);
            var (merged, actions) = EndLease(swarmId, row, TaskStatus.Pending, caller.Actor, "task.released", new { taskId, owner = row.GetString("Owner"), reason });
            var outcome = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                return LostRace(outcome, actions, taskId, "it changed while releasing");
            }
            Committed(swarmId, true);
            return TaskRows.ToView(Apply(row, merged));
        }, cancellationToken);

    /// <summary>Extends the lease from now.</summary>
    public Task<TaskView> RenewAsync(string swarmId, Caller caller, string taskId, RenewTaskRequest request, CancellationToken cancellationToken) =>
        AsHolderAsync(swarmId, taskId, async (row, ct) =>
        {
            EnsureHolder(row, caller, request.LeaseId, request.FencingToken, force: false);
            var lease = TimeSpan.FromSeconds(request.LeaseSeconds is { } s ? Validation.InRange(s, "leaseSeconds", 5, 3600) : row.GetInt32("LeaseSeconds") ?? 300);
            var now = clock.GetUtcNow();
            var oldKey = TaskRows.LeaseKey(row.GetDateTimeOffset("LeaseExpiresAt")!.Value, taskId);
            var renewed = Merge(row, now, TaskStatus.Claimed);
            renewed["LeaseExpiresAt"] = now + lease;
            var leaseRow = LeaseRow(row, now + lease);
            var actions = new List<TableTransactionAction>
            {
                TableActions.Merge(renewed, row.ETag),
                TableActions.Add(leaseRow),
                events.Append(swarmId, PendingEvent.Of("task.renewed", taskId, new { taskId, leaseExpiresAt = now + lease }, caller.Actor)),
            };
            if (oldKey != leaseRow.RowKey)
            {
                actions.Add(TableActions.Delete(swarmId, oldKey, ETag.All));
            }
            var outcome = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                return LostRace(outcome, actions, taskId, "it changed while renewing");
            }
            Committed(swarmId, false);
            return TaskRows.ToView(Apply(row, renewed));
        }, cancellationToken);

    /// <summary>Ends expired leases of one swarm (at most <paramref name="max"/>): back to pending, or dead-lettered when out of attempts.</summary>
    public async Task<int> ExpireAsync(string swarmId, int max, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq {TableFilter.Literal(swarmId)} and RowKey ge {TableFilter.Literal(TaskRows.LeasePrefix)} and RowKey lt {TableFilter.Literal(TaskRows.LeaseBound(clock.GetUtcNow()))}";
        var expired = 0;
        await foreach (var lease in table.QueryAsync(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (await TryExpireAsync(swarmId, lease, cancellationToken).ConfigureAwait(false))
            {
                expired++;
            }
            if (expired >= max)
            {
                break;
            }
        }
        return expired;
    }

    /// <summary>Ends a lease whatever its state (a departing member, a recovery): pending, or dead-lettered when out of attempts.</summary>
    internal async Task<bool> ForceBackAsync(string swarmId, TableEntity row, string reason, string actor, CancellationToken cancellationToken)
    {
        var (after, actions) = ForceBackActions(swarmId, row, reason, actor);
        var ok = (await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false)).Succeeded;
        if (ok)
        {
            Committed(swarmId, TaskRows.StatusOf(after) == TaskStatus.Pending);
        }
        return ok;
    }

    /// <summary>
    /// The writes of <see cref="ForceBackAsync"/> for a caller that adds its own to the same transaction;
    /// <paramref name="adjust"/> changes the task row (and so its ready row) before they are built.
    /// Returns the task row as it will be.
    /// </summary>
    internal (TableEntity After, List<TableTransactionAction> Actions) ForceBackActions(string swarmId, TableEntity row, string reason, string actor, Action<TableEntity>? adjust = null)
    {
        var attempts = row.GetInt32("Attempts") ?? 0;
        var next = attempts < (row.GetInt32("MaxAttempts") ?? 3) ? TaskStatus.Pending : TaskStatus.DeadLettered;
        var (merged, actions) = EndLease(swarmId, row, next, actor, "task.released", new { taskId = row.GetString("TaskId"), owner = row.GetString("Owner"), reason }, adjust: adjust);
        return (Apply(row, merged), actions);
    }

    private async Task<IReadOnlyList<TaskView>> TryClaimAsync(string swarmId, Caller caller, IReadOnlyList<string> types, int count, TimeSpan lease, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxClaimRounds; round++)
        {
            var now = clock.GetUtcNow();
            var candidates = await ReadyCandidatesAsync(swarmId, caller, types, count + Spread, now, cancellationToken).ConfigureAwait(false);
            // Uncontended, take the head (strict priority-then-age); after a lost race, spread over the first few.
            var chosen = round == 0 ? candidates.Take(count).ToList() : candidates.OrderBy(_ => Random.Shared.Next()).Take(count).ToList();
            var stolen = chosen.Count < count ? await StealableAsync(swarmId, caller, types, count - chosen.Count, now, cancellationToken).ConfigureAwait(false) : [];
            if (chosen.Count == 0 && stolen.Count == 0)
            {
                return [];
            }
            var actions = new List<TableTransactionAction>();
            var claimed = new List<TaskView>();
            foreach (var ready in chosen)
            {
                var claim = ClaimFields(ready, caller, now, lease);
                actions.Add(TableActions.Delete(swarmId, ready.RowKey, ready.ETag));
                actions.Add(TableActions.Merge(claim, ETag.All));
                actions.Add(TableActions.Add(LeaseRow(Apply(ready, claim), now + lease)));
                actions.Add(ClaimedEvent(swarmId, claim, caller));
                claimed.Add(TaskRows.ToView(Apply(ready, claim)));
            }
            foreach (var (task, expiredLease) in stolen)
            {
                // Work stealing: the lease expired and the sweep has not run yet.
                var claim = ClaimFields(task, caller, now, lease);
                actions.Add(TableActions.Delete(swarmId, expiredLease.RowKey, expiredLease.ETag));
                actions.Add(TableActions.Merge(claim, task.ETag));
                actions.Add(TableActions.Add(LeaseRow(Apply(task, claim), now + lease)));
                actions.Add(events.Append(swarmId, PendingEvent.Of("task.expired", task.GetString("TaskId"),
                    new { taskId = task.GetString("TaskId"), owner = task.GetString("Owner"), attempt = task.GetInt32("Attempts"), next = "claimed" }, PendingEvent.SystemActor)));
                actions.Add(ClaimedEvent(swarmId, claim, caller));
                claimed.Add(TaskRows.ToView(Apply(task, claim)));
            }
            if ((await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false)).Succeeded)
            {
                Committed(swarmId, false);
                return claimed;
            }
        }
        return [];
    }

    private async Task<List<TableEntity>> ReadyCandidatesAsync(string swarmId, Caller caller, IReadOnlyList<string> types, int wanted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filter = $"{TableFilter.RowKeyPrefix(swarmId, TaskRows.ReadyPrefix)} and ReadyAt le {TableFilter.Literal(now)}{Eligible(caller, types)}";
        var found = new List<TableEntity>();
        var pages = 0;
        await foreach (var page in table.QueryAsync(filter, maxPerPage: wanted, cancellationToken: cancellationToken).AsPages().ConfigureAwait(false))
        {
            found.AddRange(page.Values.Take(wanted - found.Count));
            if (found.Count >= wanted || ++pages >= 5)
            {
                break;
            }
        }
        return found;
    }

    private async Task<List<(TableEntity Task, TableEntity Lease)>> StealableAsync(string swarmId, Caller caller, IReadOnlyList<string> types, int wanted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq {TableFilter.Literal(swarmId)} and RowKey ge {TableFilter.Literal(TaskRows.LeasePrefix)} and RowKey lt {TableFilter.Literal(TaskRows.LeaseBound(now))}{Eligible(caller, types)}";
        var stealable = new List<(TableEntity, TableEntity)>();
        await foreach (var lease in table.QueryAsync(filter, maxPerPage: wanted, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var task = await table.GetEntityAsync(swarmId, TaskRows.TaskKey(lease.GetString("TaskId")!), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (task is not null && TaskRows.StatusOf(task) == TaskStatus.Claimed && task.GetString("LeaseId") == lease.GetString("LeaseId"))
            {
                if ((task.GetInt32("Attempts") ?? 0) >= (task.GetInt32("MaxAttempts") ?? 3))
                {
                    await TryExpireAsync(swarmId, lease, cancellationToken).ConfigureAwait(false);   // out of attempts: dead-letter, not steal
                }
                else if (MayClaim(task, caller))
                {
                    // Checked on the task row: the lease row's AssignedTo is a copy from claim time, blind to a reassignment since.
                    stealable.Add((task, lease));
                }
            }
            if (stealable.Count >= wanted)
            {
                break;
            }
        }
        return stealable;
    }

    private static bool MayClaim(TableEntity task, Caller caller) => task.GetString("AssignedTo") is null or "" || task.GetString("AssignedTo") == caller.AgentId;

    private static string Eligible(Caller caller, IReadOnlyList<string> types)
    {
        var filter = $" and (AssignedTo eq '' or AssignedTo eq {TableFilter.Literal(caller.AgentId ?? string.Empty)})";
        return types.Count == 0 ? filter : filter + " and (" + string.Join(" or ", types.Select(t => $"Type eq {TableFilter.Literal(t)}")) + ")";
    }

    private async Task<bool> TryExpireAsync(string swarmId, TableEntity lease, CancellationToken cancellationToken)
    {
        var task = await table.GetEntityAsync(swarmId, TaskRows.TaskKey(lease.GetString("TaskId")!), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (task is null || TaskRows.StatusOf(task) != TaskStatus.Claimed || task.GetString("LeaseId") != lease.GetString("LeaseId"))
        {
            // A leftover of a finished lease: remove it so the sweep does not see it again.
            await table.DeleteEntityAsync(swarmId, lease.RowKey, lease.ETag, cancellationToken).ConfigureAwait(false);
            return false;
        }
        var attempts = task.GetInt32("Attempts") ?? 0;
        var next = attempts < (task.GetInt32("MaxAttempts") ?? 3) ? TaskStatus.Pending : TaskStatus.DeadLettered;
        var (_, actions) = EndLease(swarmId, task, next, PendingEvent.SystemActor, "task.expired",
            new { taskId = task.GetString("TaskId"), owner = task.GetString("Owner"), attempt = attempts, next = TaskRows.StatusText(next) }, lease.ETag);
        var ok = (await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false)).Succeeded;
        if (ok)
        {
            Committed(swarmId, next == TaskStatus.Pending);
        }
        return ok;
    }

    /// <summary>
    /// The end of a lease: the task row under its ETag, the lease row gone, a ready row when it goes back to
    /// pending, its event, and <c>task.dead_lettered</c> when it ran out of attempts. <paramref name="adjust"/>
    /// adds changes to the task row before the ready row is copied from it.
    /// </summary>
    private (TableEntity Merged, List<TableTransactionAction> Actions) EndLease(string swarmId, TableEntity row, TaskStatus next, string actor, string type, object data,
        ETag? leaseETag = null, Action<TableEntity>? adjust = null)
    {
        var now = clock.GetUtcNow();
        var taskId = row.GetString("TaskId")!;
        var merged = Merge(row, now, next);
        merged["Owner"] = string.Empty;
        adjust?.Invoke(merged);
        var actions = new List<TableTransactionAction>
        {
            TableActions.Merge(merged, row.ETag),
            TableActions.Delete(swarmId, TaskRows.LeaseKey(row.GetDateTimeOffset("LeaseExpiresAt")!.Value, taskId), leaseETag ?? ETag.All),
            events.Append(swarmId, PendingEvent.Of(type, taskId, data, actor)),
        };
        if (next == TaskStatus.Pending)
        {
            merged["ReadyAt"] = now;
            actions.Add(TableActions.Add(TaskRows.CopyAs(Apply(row, merged), TaskRows.ReadyKey(row.GetInt32("Priority") ?? 5, now, taskId))));
        }
        else if (next == TaskStatus.DeadLettered)
        {
            actions.Add(events.Append(swarmId, PendingEvent.Of("task.dead_lettered", taskId, new { taskId, attempts = row.GetInt32("Attempts") }, actor)));
        }
        return (merged, actions);
    }

    /// <summary>Adds to <paramref name="actions"/> the unblocking of dependents whose last open dependency is this task; returns how many.</summary>
    private async Task<int> UnblockDependentsAsync(string swarmId, TableEntity row, DateTimeOffset now, string actor, List<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        var unblocked = 0;
        var dependents = await Task.WhenAll(TaskRows.List(row, "Dependents").Select(id => table.GetEntityAsync(swarmId, TaskRows.TaskKey(id), cancellationToken: cancellationToken))).ConfigureAwait(false);
        // A dependent cancelled while blocked still counts down, so that un-cancelling it knows whether it is still blocked.
        foreach (var dependent in dependents.OfType<TableEntity>().Where(d => TaskRows.StatusOf(d) switch
                 {
                     TaskStatus.Blocked => true,
                     TaskStatus.Cancelled => (d.GetInt32("Remaining") ?? 0) > 0,
                     _ => false,
                 }))
        {
            var remaining = Math.Max(0, (dependent.GetInt32("Remaining") ?? 1) - 1);
            var update = new TableEntity(swarmId, dependent.RowKey) { ["Remaining"] = remaining, ["UpdatedAt"] = now };
            if (remaining == 0 && TaskRows.StatusOf(dependent) == TaskStatus.Blocked)
            {
                var readyAt = TaskRows.ReadyTime(dependent, now);
                update["Status"] = TaskRows.StatusText(TaskStatus.Pending);
                update["ReadyAt"] = readyAt;
                var id = dependent.GetString("TaskId")!;
                actions.Add(TableActions.Add(TaskRows.CopyAs(Apply(dependent, update), TaskRows.ReadyKey(dependent.GetInt32("Priority") ?? 5, readyAt, id))));
                actions.Add(events.Append(swarmId, PendingEvent.Of("task.unblocked", id, new { taskId = id, after = row.GetString("TaskId") }, actor)));
                unblocked++;
            }
            actions.Add(TableActions.Merge(update, dependent.ETag));
        }
        return unblocked;
    }

    /// <summary>
    /// A holder's operation (complete, fail, release, renew): read the task, check the lease, write under the task
    /// row's ETag. The ETag also changes for writes that leave the lease alone — a coordinator's edit, a dependent
    /// registering itself, a reassignment to the holder — so a write that lost such a race is decided again on a
    /// fresh read rather than answered with a lease_lost the holder would act on (dropping its result). When the
    /// lease really was lost, the fresh read says so through <see cref="EnsureHolder"/>.
    /// </summary>
    private Task<TaskView> AsHolderAsync(string swarmId, string taskId, Func<TableEntity, CancellationToken, Task<TaskView?>> attempt, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct => await attempt(await ReadTaskAsync(swarmId, taskId, ct).ConfigureAwait(false), ct).ConfigureAwait(false), $"task '{taskId}'", cancellationToken);

    /// <summary>
    /// Null (decide again on fresh rows) when a task row this transaction read — the task's own or a dependent's — was
    /// changed or deleted meanwhile; any other failure means the lease is gone.
    /// </summary>
    private static TaskView? LostRace(TableTransactionResult outcome, List<TableTransactionAction> actions, string taskId, string why) =>
        outcome is { Outcome: StorageOutcome.PreconditionFailed or StorageOutcome.NotFound, FailedIndex: { } failed }
        && actions[failed].Entity.RowKey.StartsWith(TaskRows.TaskPrefix, StringComparison.Ordinal)
            ? null
            : throw LeaseLost(taskId, why);

    private async Task<TableEntity> ReadTaskAsync(string swarmId, string taskId, CancellationToken cancellationToken) =>
        (TaskService.IsTaskId(taskId) ? await table.GetEntityAsync(swarmId, TaskRows.TaskKey(taskId), cancellationToken: cancellationToken).ConfigureAwait(false) : null)
        ?? throw new ProblemException(ProblemCatalog.NotFound, $"No task '{taskId}'.");

    /// <summary>The lease check shared by complete, fail, renew and release.</summary>
    private void EnsureHolder(TableEntity row, Caller caller, string? leaseId, long? fencingToken, bool force)
    {
        var taskId = row.GetString("TaskId")!;
        if (force)
        {
            if (!caller.HasRole(Role.Coordinator))
            {
                throw new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may use force.");
            }
            if (TaskRows.StatusOf(row) != TaskStatus.Claimed)
            {
                throw LeaseLost(taskId, $"it is {TaskRows.StatusText(TaskRows.StatusOf(row))}, not claimed");
            }
            return;
        }
        if (leaseId is null && fencingToken is null)
        {
            throw Validation.Invalid("leaseId", "is required (or fencingToken): it proves you hold the lease.");
        }
        var live = TaskRows.StatusOf(row) == TaskStatus.Claimed && row.GetDateTimeOffset("LeaseExpiresAt") > clock.GetUtcNow();
        if (!live || (leaseId is not null && leaseId != row.GetString("LeaseId")) || (fencingToken is not null && fencingToken != row.GetInt64("FencingToken")))
        {
            throw LeaseLost(taskId, live ? "another lease holds it now" : $"it is {TaskRows.StatusText(TaskRows.StatusOf(row))}{(TaskRows.StatusOf(row) == TaskStatus.Claimed ? " with an expired lease" : string.Empty)}");
        }
        if (row.GetString("Owner") != caller.AgentId)
        {
            throw new ProblemException(ProblemCatalog.NotHolder, "This lease belongs to another agent; a coordinator may act with force=true.",
                new Dictionary<string, object?> { ["owner"] = row.GetString("Owner") });
        }
    }

    private TableEntity ClaimFields(TableEntity task, Caller caller, DateTimeOffset now, TimeSpan lease) => new(task.PartitionKey, TaskRows.TaskKey(task.GetString("TaskId")!))
    {
        ["Status"] = TaskRows.StatusText(TaskStatus.Claimed), ["Owner"] = caller.AgentId, ["LeaseId"] = Ids.New("lease"),
        ["FencingToken"] = (task.GetInt64("FencingToken") ?? 0) + 1, ["Attempts"] = (task.GetInt32("Attempts") ?? 0) + 1,
        ["LeaseExpiresAt"] = now + lease, ["LeaseSeconds"] = (int)lease.TotalSeconds, ["ClaimedAt"] = now, ["UpdatedAt"] = now,
    };

    private PendingEvent ClaimedEventData(TableEntity claim, Caller caller) => PendingEvent.Of("task.claimed", TaskIdOf(claim),
        new { taskId = TaskIdOf(claim), owner = caller.AgentId, leaseId = claim.GetString("LeaseId"), fencingToken = claim.GetInt64("FencingToken"), attempt = claim.GetInt32("Attempts"), leaseExpiresAt = claim.GetDateTimeOffset("LeaseExpiresAt") },
        caller.Actor);

    private TableTransactionAction ClaimedEvent(string swarmId, TableEntity claim, Caller caller) => events.Append(swarmId, ClaimedEventData(claim, caller));

    private static string TaskIdOf(TableEntity claimOrTask) => claimOrTask.RowKey[TaskRows.TaskPrefix.Length..];

    private static TableEntity LeaseRow(TableEntity task, DateTimeOffset expiresAt) => new(task.PartitionKey, TaskRows.LeaseKey(expiresAt, task.GetString("TaskId")!))
    {
        ["TaskId"] = task.GetString("TaskId"), ["Owner"] = task.GetString("Owner"), ["LeaseId"] = task.GetString("LeaseId"),
        ["FencingToken"] = task.GetInt64("FencingToken"), ["Type"] = task.GetString("Type"), ["AssignedTo"] = task.GetString("AssignedTo") ?? string.Empty,
        ["ExpiresAt"] = expiresAt,
    };

    /// <summary>A merge of the task row with a new status and time.</summary>
    private static TableEntity Merge(TableEntity row, DateTimeOffset now, TaskStatus status) =>
        new(row.PartitionKey, row.RowKey.StartsWith(TaskRows.TaskPrefix, StringComparison.Ordinal) ? row.RowKey : TaskRows.TaskKey(row.GetString("TaskId")!))
        {
            ["Status"] = TaskRows.StatusText(status), ["UpdatedAt"] = now,
        };

    /// <summary>The row as it is after <paramref name="changes"/> are merged into it.</summary>
    internal static TableEntity Apply(TableEntity row, TableEntity changes)
    {
        var result = TaskRows.CopyAs(row, TaskRows.TaskKey(row.GetString("TaskId")!));
        foreach (var (name, value) in changes)
        {
            if (name is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            {
                result[name] = value;
            }
        }
        return result;
    }

    private void Committed(string swarmId, bool readyChanged)
    {
        events.Committed(swarmId);
        if (readyChanged)
        {
            signal.Pulse(ReadySignal(swarmId));
        }
    }

    private static ProblemException LeaseLost(string taskId, string why) =>
        new(ProblemCatalog.LeaseLost, $"The lease on task '{taskId}' is no longer held: {why}.");
}
