using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>Creating tasks (one transaction each, idempotent with a key), dependencies between them, and reading one.</summary>
public sealed class TaskService(TaskStore store, EventLog events, TenantDirectory tenants, SwarmDirectory directory, TimeProvider clock)
{
    /// <summary>Tasks written per transaction in a bulk create (three operations each).</summary>
    public const int BulkChunk = 33;

    /// <summary>Most tasks one task can unblock at once: each unblocked dependent adds three operations to the completion's transaction.</summary>
    public const int MaxDependents = 30;

    /// <summary>Creates a task; a repeated idempotency key returns the original task and writes nothing.</summary>
    public async Task<(TaskView Task, bool Created)> CreateAsync(string swarmId, Caller caller, CreateTaskRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var key = Validation.OptionalText(idempotencyKey ?? request.IdempotencyKey, "idempotencyKey", 200);
        var plan = TaskInput.Plan(request, "", LimitOf(caller));
        await TaskInput.EnsureAssigneeAsync(directory, swarmId, plan.AssignedTo, "assignedTo", cancellationToken).ConfigureAwait(false);
        var created = await OptimisticRetry.RunAsync(ct => TryCreateAsync(swarmId, caller, plan, key, ct), "the task's dependencies", cancellationToken).ConfigureAwait(false);
        return (created.Task, created.IsNew);
    }

    /// <summary>How long a bulk create waits for its events to reach the log before it answers anyway.</summary>
    public static readonly TimeSpan BulkSequencingWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Creates up to 100 tasks and waits (up to <see cref="BulkSequencingWait"/>) for their events to be sequenced. Every item is validated first: one invalid item creates none and is named by its index.
    /// They are then written in transactions of <see cref="BulkChunk"/>; with an idempotency key a repeat returns the same
    /// tasks and writes whatever an interrupted first call did not. <c>Created</c> is false for such a repeat.
    /// </summary>
    public async Task<(CreatedTasks Tasks, bool Created)> CreateBulkAsync(string swarmId, Caller caller, BulkCreateTasksRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (request.Tasks is null || request.Tasks.Count is 0 or > 100)
        {
            throw Validation.Invalid("tasks", "must hold 1 to 100 tasks.");
        }
        var key = Validation.OptionalText(idempotencyKey, "idempotencyKey", 200);
        var plans = request.Tasks.Select((t, i) => TaskInput.Plan(t ?? throw Validation.Invalid($"tasks[{i}]", "is null."), $"tasks[{i}].", LimitOf(caller))).ToList();
        for (var i = 0; i < plans.Count; i++)
        {
            if (plans[i].Dependencies.Count > 0)
            {
                throw Validation.Invalid($"tasks[{i}].dependencies", "bulk creation takes no dependencies; create dependent tasks one by one.");
            }
            await TaskInput.EnsureAssigneeAsync(directory, swarmId, plans[i].AssignedTo, $"tasks[{i}].assignedTo", cancellationToken).ConfigureAwait(false);
        }
        var now = clock.GetUtcNow();
        var (ids, fresh) = await BulkIdsAsync(swarmId, key, plans.Count, now, cancellationToken).ConfigureAwait(false);
        var views = new List<TaskView>(plans.Count);
        for (var start = 0; start < plans.Count; start += BulkChunk)
        {
            var chunk = Enumerable.Range(start, Math.Min(BulkChunk, plans.Count - start)).ToList();
            views.AddRange(await WriteChunkAsync(swarmId, caller, chunk.Select(i => (ids[i], plans[i])).ToList(), key is not null, now, cancellationToken).ConfigureAwait(false));
        }
        // Backpressure: a bulk create answers once its events are in the log (or after BulkSequencingWait). Answering at
        // once, 32 clients wrote tasks faster than their events could be sequenced and the log was still behind 15 s later.
        await events.FlushAsync(swarmId, BulkSequencingWait, cancellationToken).ConfigureAwait(false);
        return (new CreatedTasks(views), fresh);
    }

    /// <summary>One task, with the dependencies it still waits for.</summary>
    public async Task<TaskView> GetAsync(string swarmId, string taskId, CancellationToken cancellationToken)
    {
        var task = await store.ReadAsync(swarmId, taskId, cancellationToken).ConfigureAwait(false);
        return task.ToView(await OpenDependenciesAsync(task, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The dependencies of a blocked task that have not completed (a deleted one counts as open).</summary>
    private async Task<IReadOnlyList<string>> OpenDependenciesAsync(TaskRow task, CancellationToken cancellationToken)
    {
        if (task.Status != TaskStatus.Blocked)
        {
            return [];
        }
        var dependencies = await store.FindAllAsync(task.SwarmId, task.Dependencies, cancellationToken).ConfigureAwait(false);
        return task.Dependencies.Where((_, i) => dependencies[i]?.Status != TaskStatus.Completed).ToList();
    }

    private sealed record Created(TaskView Task, bool IsNew);

    /// <summary>One attempt: null when a dependency changed between the read and the write (decide again).</summary>
    private async Task<Created?> TryCreateAsync(string swarmId, Caller caller, TaskPlan plan, string? key, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var taskId = Ids.NewSortable("task", now);
        var dependencies = await ReadDependenciesAsync(swarmId, plan.Dependencies, cancellationToken).ConfigureAwait(false);
        var open = dependencies.Where(d => d.Status != TaskStatus.Completed).Select(d => d.TaskId).ToList();
        var task = TaskInput.NewRow(swarmId, taskId, plan, caller.Actor, now, open.Count, key);
        var actions = NewTaskActions(task, caller.Actor).ToList();
        // Registered under the ETag read: a dependency that completes meanwhile makes this attempt lose and decide again.
        actions.AddRange(dependencies.Select(d => TableActions.Merge(TaskRows.DependentsPatch(d, [.. d.Dependents, taskId]), d.ETag)));
        if (key is not null)
        {
            actions.Add(TableActions.Add(TaskRows.ToEntity(new TaskKeyRow(swarmId, key, [taskId]))));
        }
        switch (await store.CommitAsync(swarmId, [], cancellationToken, actions, claimableTypes: task.Status == TaskStatus.Pending ? [task.Type] : null).ConfigureAwait(false))
        {
            case TaskCommit.Committed:
                return new Created(task.ToView(open), true);
            case TaskCommit.KeyTaken:
                var original = await ExistingAsync(swarmId, key!, cancellationToken).ConfigureAwait(false);
                return original.Count == 1 ? new Created(original[0], false)
                    : throw new ProblemException(ProblemCatalog.AlreadyExists, $"Idempotency key '{key}' was used for a bulk create of {original.Count} tasks.");
            default:
                return null;
        }
    }

    /// <summary>The ids a bulk create writes: new ones (fresh), or with a key those a first call with the key chose.</summary>
    private async Task<(IReadOnlyList<string> Ids, bool Fresh)> BulkIdsAsync(string swarmId, string? key, int count, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = Enumerable.Range(0, count).Select(i => Ids.NewSortable("task", now.AddTicks(i))).ToList();
        if (key is null)
        {
            return (ids, true);
        }
        var claimed = await store.ClaimKeyAsync(new TaskKeyRow(swarmId, key, ids), cancellationToken).ConfigureAwait(false);
        return claimed.TaskIds.Count == count ? (claimed.TaskIds, claimed.TaskIds.SequenceEqual(ids, StringComparer.Ordinal))
            : throw new ProblemException(ProblemCatalog.AlreadyExists, $"Idempotency key '{key}' was used for a different request ({claimed.TaskIds.Count} tasks).");
    }

    /// <summary>
    /// Writes one chunk of a bulk create. With a key, a chunk that is already there was written by an earlier call with the
    /// key (a chunk is one transaction: all of it or none), and what is stored is returned. Without one, a chunk that lost
    /// (a generated id taken) is written again under new ids.
    /// </summary>
    private async Task<IReadOnlyList<TaskView>> WriteChunkAsync(string swarmId, Caller caller, IReadOnlyList<(string Id, TaskPlan Plan)> chunk, bool keyed, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var attempt = 0;
        return await OptimisticRetry.RunAsync<IReadOnlyList<TaskView>>(async ct =>
        {
            var ids = attempt++ == 0 || keyed ? chunk.Select(c => c.Id).ToList() : chunk.Select(_ => Ids.NewSortable("task", now)).ToList();
            var tasks = chunk.Select((c, i) => TaskInput.NewRow(swarmId, ids[i], c.Plan, caller.Actor, now, 0, null)).ToList();
            var outcome = await store.CommitAsync(swarmId, [], ct, [.. tasks.SelectMany(t => NewTaskActions(t, caller.Actor))], claimableTypes: [.. tasks.Where(t => t.Status == TaskStatus.Pending).Select(t => t.Type).Distinct(StringComparer.Ordinal)]).ConfigureAwait(false);
            if (outcome == TaskCommit.Committed)
            {
                return tasks.Select(t => t.ToView()).ToList();
            }
            if (!keyed)
            {
                return null;
            }
            var stored = await store.FindAllAsync(swarmId, ids, ct).ConfigureAwait(false);
            return stored.All(s => s is not null) ? stored.Select(s => s!.ToView()).ToList()
                : throw new ProblemException(ProblemCatalog.AlreadyExists, "This idempotency key was used before, and some of the tasks it created have been deleted since.");
        }, "the bulk create", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The new task's row, its ready row when claimable, and <c>task.created</c>.</summary>
    private IEnumerable<TableTransactionAction> NewTaskActions(TaskRow task, string actor)
    {
        yield return TableActions.Add(TaskRows.ToEntity(task));
        if (task.Status == TaskStatus.Pending)
        {
            yield return TableActions.Add(TaskRows.ToReadyEntity(task));
        }
        yield return events.Append(task.SwarmId, PendingEvent.Of("task.created", task.TaskId, new
        {
            taskId = task.TaskId, type = task.Type, title = task.Title, priority = task.Priority, status = TaskRows.StatusText(task.Status),
            assignedTo = task.AssignedTo, dependencies = task.Dependencies,
        }, actor));
    }

    private async Task<IReadOnlyList<TaskRow>> ReadDependenciesAsync(string swarmId, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var rows = await store.FindAllAsync(swarmId, ids, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < ids.Count; i++)
        {
            if (rows[i] is null)
            {
                throw Validation.Invalid($"dependencies[{i}]", $"no task '{ids[i]}' in this swarm.");
            }
            if (rows[i]!.Dependents.Count >= MaxDependents)
            {
                throw Validation.Invalid($"dependencies[{i}]", $"task '{ids[i]}' already has {MaxDependents} dependents, the most one task can release at once.");
            }
        }
        return rows!;
    }

    private async Task<IReadOnlyList<TaskView>> ExistingAsync(string swarmId, string key, CancellationToken cancellationToken)
    {
        var stored = await store.FindKeyAsync(swarmId, key, cancellationToken).ConfigureAwait(false);
        var views = new List<TaskView>();
        foreach (var id in stored?.TaskIds ?? [])
        {
            views.Add(await GetAsync(swarmId, id, cancellationToken).ConfigureAwait(false));
        }
        return views;
    }

    private int LimitOf(Caller caller) => tenants.Find(caller.TenantId)?.Limits.MaxPayloadBytes ?? new TenantLimits().MaxPayloadBytes;
}
