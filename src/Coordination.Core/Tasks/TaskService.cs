using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>Creating tasks (one transaction each, idempotent with a key) and dependencies between them.</summary>
public sealed partial class TaskService(TableStore table, EventLog events, KeyedSignal signal, TenantDirectory tenants, TimeProvider clock)
{
    /// <summary>Largest result accepted on complete (payloads use the tenant's limit).</summary>
    public const int PayloadLimit = 64 * 1024;

    /// <summary>Tasks written per transaction in a bulk create (three operations each).</summary>
    public const int BulkChunk = 33;

    private static readonly Dictionary<string, int> PriorityNames = new(StringComparer.OrdinalIgnoreCase) { ["low"] = 2, ["normal"] = 5, ["high"] = 7, ["critical"] = 9 };

    /// <summary>Creates a task; a repeated idempotency key returns the original task and writes nothing.</summary>
    public async Task<(TaskView Task, bool Created)> CreateAsync(string swarmId, Caller caller, CreateTaskRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var key = Validation.OptionalText(idempotencyKey ?? request.IdempotencyKey, "idempotencyKey", 200);
        var plan = Plan(request, "", LimitOf(caller));
        var outcome = await OptimisticRetry.RunAsync(async ct =>
        {
            var now = clock.GetUtcNow();
            var taskId = Ids.NewSortable("task", now);
            var dependencies = await ReadDependenciesAsync(swarmId, plan.Dependencies, "dependencies", ct).ConfigureAwait(false);
            var row = NewRow(swarmId, taskId, plan, caller, now, dependencies, key);
            var actions = RowActions(swarmId, row, plan, caller, now);
            foreach (var dependency in dependencies)
            {
                var dependents = TaskRows.List(dependency, "Dependents").Append(taskId).ToList();
                var update = new TableEntity(swarmId, dependency.RowKey);
                TaskRows.SetList(update, "Dependents", dependents);
                actions.Add(TableActions.Merge(update, dependency.ETag));
            }
            if (key is not null)
            {
                actions.Add(TableActions.Add(new TableEntity(swarmId, TaskRows.IdempotencyKey(key)) { ["TaskIds"] = JsonSerializer.Serialize(new[] { taskId }) }));
            }
            var result = await table.SubmitTransactionAsync(actions, ct).ConfigureAwait(false);
            if (result.Succeeded)
            {
                Committed(swarmId, row);
                return new CreateOutcome(TaskRows.ToView(row, BlockedBy(dependencies)), true);
            }
            if (key is not null && result.FailedIndex == actions.Count - 1 && result.Outcome == StorageOutcome.AlreadyExists)
            {
                var original = await ExistingAsync(swarmId, key, ct).ConfigureAwait(false);
                return original.Count == 1 ? new CreateOutcome(original[0], false)
                    : throw new ProblemException(ProblemCatalog.AlreadyExists, $"Idempotency key '{key}' was used for a bulk create of {original.Count} tasks.");
            }
            return null;   // a dependency changed (e.g. completed) between the read and the write: decide again
        }, "the task's dependencies", cancellationToken).ConfigureAwait(false);
        return (outcome.Task, outcome.Created);
    }

    private sealed record CreateOutcome(TaskView Task, bool Created);

    /// <summary>
    /// Creates up to 100 tasks. Every item is validated first: one invalid item creates none and is named by its
    /// index. They are then written in transactions of <see cref="BulkChunk"/>; with an idempotency key a repeat
    /// returns the same tasks and writes whatever an interrupted first call did not.
    /// </summary>
    public async Task<CreatedTasks> CreateBulkAsync(string swarmId, Caller caller, BulkCreateTasksRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (request.Tasks is null || request.Tasks.Count is 0 or > 100)
        {
            throw Validation.Invalid("tasks", "must hold 1 to 100 tasks.");
        }
        var key = Validation.OptionalText(idempotencyKey, "idempotencyKey", 200);
        var plans = request.Tasks.Select((t, i) => Plan(t ?? throw Validation.Invalid($"tasks[{i}]", "is null."), $"tasks[{i}].", LimitOf(caller))).ToList();
        var dependencyLists = new List<IReadOnlyList<TableEntity>>();
        for (var i = 0; i < plans.Count; i++)
        {
            if (plans[i].Dependencies.Count > 0)
            {
                throw Validation.Invalid($"tasks[{i}].dependencies", "bulk creation takes no dependencies; create dependent tasks one by one.");
            }
            dependencyLists.Add([]);
        }
        var now = clock.GetUtcNow();
        var ids = plans.Select((_, i) => Ids.NewSortable("task", now.AddTicks(i))).ToList();
        if (key is not null)
        {
            var claimed = await table.AddEntityAsync(new TableEntity(swarmId, TaskRows.IdempotencyKey(key)) { ["TaskIds"] = JsonSerializer.Serialize(ids) }, cancellationToken).ConfigureAwait(false);
            if (!claimed.Succeeded)
            {
                var stored = await table.GetEntityAsync(swarmId, TaskRows.IdempotencyKey(key), cancellationToken: cancellationToken).ConfigureAwait(false);
                ids = TaskRows.List(stored!, "TaskIds").ToList();
                if (ids.Count != plans.Count)
                {
                    throw new ProblemException(ProblemCatalog.AlreadyExists, $"Idempotency key '{key}' was used for a different request ({ids.Count} tasks).");
                }
            }
        }
        var views = new TaskView[plans.Count];
        for (var start = 0; start < plans.Count; start += BulkChunk)
        {
            var actions = new List<TableTransactionAction>();
            var rows = new List<(int Index, TableEntity Row)>();
            for (var i = start; i < Math.Min(plans.Count, start + BulkChunk); i++)
            {
                var row = NewRow(swarmId, ids[i], plans[i], caller, now, dependencyLists[i], null);
                actions.AddRange(RowActions(swarmId, row, plans[i], caller, now));
                rows.Add((i, row));
            }
            var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded && !(key is not null && result.Outcome == StorageOutcome.AlreadyExists))
            {
                throw new InvalidOperationException($"Bulk create failed at operation {result.FailedIndex}: {result.ErrorCode}.");
            }
            if (!result.Succeeded)
            {
                // This chunk was written by an earlier call with the same key: return what is stored.
                foreach (var (index, row) in rows)
                {
                    var stored = await table.GetEntityAsync(swarmId, row.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
                    views[index] = TaskRows.ToView(stored ?? row);
                }
                continue;
            }
            foreach (var (index, row) in rows)
            {
                views[index] = TaskRows.ToView(row);
            }
            Committed(swarmId, rows[0].Row);
        }
        return new CreatedTasks(views);
    }

    /// <summary>One task, with the dependencies it still waits for.</summary>
    public async Task<TaskView> GetAsync(string swarmId, string taskId, CancellationToken cancellationToken)
    {
        var row = await ReadAsync(swarmId, taskId, cancellationToken).ConfigureAwait(false);
        return TaskRows.ToView(row, await OpenDependenciesAsync(swarmId, row, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>A task id as this service makes them.</summary>
    public static bool IsTaskId(string? id) => id is { Length: > 5 and <= 40 } && id.StartsWith("task_", StringComparison.Ordinal) && id[5..].All(char.IsAsciiLetterOrDigit);

    /// <summary>Validates a task type or a type filter entry.</summary>
    public static string ValidateType(string? type, string field) =>
        type is not null && TypePattern().IsMatch(type) ? type : throw Validation.Invalid(field, "must be 1-64 letters, digits or _ . : - (starting with a letter or digit).");

    internal async Task<TableEntity> ReadAsync(string swarmId, string taskId, CancellationToken cancellationToken) =>
        (IsTaskId(taskId) ? await table.GetEntityAsync(swarmId, TaskRows.TaskKey(taskId), cancellationToken: cancellationToken).ConfigureAwait(false) : null)
        ?? throw new ProblemException(ProblemCatalog.NotFound, $"No task '{taskId}'.");

    internal async Task<IReadOnlyList<string>> OpenDependenciesAsync(string swarmId, TableEntity row, CancellationToken cancellationToken)
    {
        if (TaskRows.StatusOf(row) != TaskStatus.Blocked)
        {
            return [];
        }
        var dependencies = await Task.WhenAll(TaskRows.List(row, "Dependencies").Select(id => table.GetEntityAsync(swarmId, TaskRows.TaskKey(id), cancellationToken: cancellationToken))).ConfigureAwait(false);
        return TaskRows.List(row, "Dependencies").Where((id, i) => dependencies[i] is null || TaskRows.StatusOf(dependencies[i]!) != TaskStatus.Completed).ToList();
    }

    internal int LimitOf(Caller caller) => tenants.Find(caller.TenantId)?.Limits.MaxPayloadBytes ?? new TenantLimits().MaxPayloadBytes;

    /// <summary>Parses a priority: 0–9, or low/normal/high/critical.</summary>
    internal static int ParsePriority(JsonElement? priority, string field) => priority switch
    {
        null => 5,
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var p) => Validation.InRange(p, field, 0, 9),
        { ValueKind: JsonValueKind.String } s when PriorityNames.TryGetValue(s.GetString()!, out var named) => named,
        _ => throw Validation.Invalid(field, "must be 0-9 or one of low, normal, high, critical."),
    };

    internal void Committed(string swarmId, TableEntity row)
    {
        events.Committed(swarmId);
        if (TaskRows.StatusOf(row) == TaskStatus.Pending)
        {
            signal.Pulse(TaskLeases.ReadySignal(swarmId));
        }
    }

    private sealed record TaskPlan(string Type, string Title, string? Description, string? Payload, int Priority, IReadOnlyList<string> Dependencies, string? AssignedTo, int MaxAttempts, DateTimeOffset? NotBefore);

    private static TaskPlan Plan(CreateTaskRequest request, string prefix, int payloadLimit)
    {
        var dependencies = (request.Dependencies ?? []).Distinct().ToList();
        if (dependencies.Count > 20)
        {
            throw Validation.Invalid(prefix + "dependencies", "lists more than 20 tasks.");
        }
        for (var i = 0; i < dependencies.Count; i++)
        {
            if (!IsTaskId(dependencies[i]))
            {
                throw Validation.Invalid($"{prefix}dependencies[{i}]", $"'{dependencies[i]}' is not a task id.");
            }
        }
        return new TaskPlan(
            ValidateType(request.Type, prefix + "type"),
            Validation.RequiredText(request.Title, prefix + "title", 200),
            Validation.OptionalText(request.Description, prefix + "description", 4000),
            Validation.Payload(request.Payload, prefix + "payload", payloadLimit),
            ParsePriority(request.Priority, prefix + "priority"),
            dependencies,
            request.AssignedTo is null ? null : Validation.Identifier(request.AssignedTo, prefix + "assignedTo"),
            Validation.InRange(request.MaxAttempts ?? 3, prefix + "maxAttempts", 1, 100),
            request.NotBefore);
    }

    private async Task<IReadOnlyList<TableEntity>> ReadDependenciesAsync(string swarmId, IReadOnlyList<string> ids, string field, CancellationToken cancellationToken)
    {
        var rows = await Task.WhenAll(ids.Select(id => table.GetEntityAsync(swarmId, TaskRows.TaskKey(id), cancellationToken: cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < ids.Count; i++)
        {
            if (rows[i] is null)
            {
                throw Validation.Invalid($"{field}[{i}]", $"no task '{ids[i]}' in this swarm.");
            }
            if (TaskRows.List(rows[i]!, "Dependents").Count >= TaskLeases.MaxDependents)
            {
                throw Validation.Invalid($"{field}[{i}]", $"task '{ids[i]}' already has {TaskLeases.MaxDependents} dependents, the most one task can release at once.");
            }
        }
        return rows!;
    }

    private static IReadOnlyList<string> BlockedBy(IReadOnlyList<TableEntity> dependencies) =>
        dependencies.Where(d => TaskRows.StatusOf(d) != TaskStatus.Completed).Select(d => d.GetString("TaskId")!).ToList();

    private static TableEntity NewRow(string swarmId, string taskId, TaskPlan plan, Caller caller, DateTimeOffset now, IReadOnlyList<TableEntity> dependencies, string? idempotencyKey)
    {
        var remaining = BlockedBy(dependencies).Count;
        var row = new TableEntity(swarmId, TaskRows.TaskKey(taskId))
        {
            ["TaskId"] = taskId, ["Type"] = plan.Type, ["Title"] = plan.Title, ["Description"] = plan.Description, ["Priority"] = plan.Priority,
            ["Status"] = TaskRows.StatusText(remaining > 0 ? TaskStatus.Blocked : TaskStatus.Pending), ["Remaining"] = remaining,
            ["AssignedTo"] = plan.AssignedTo ?? string.Empty, ["Owner"] = string.Empty, ["Attempts"] = 0, ["MaxAttempts"] = plan.MaxAttempts,
            ["FencingToken"] = 0L, ["NotBefore"] = plan.NotBefore, ["ReadyAt"] = plan.NotBefore is { } nb && nb > now ? nb : now,
            ["CreatedAt"] = now, ["UpdatedAt"] = now, ["CreatedBy"] = caller.Actor, ["IdempotencyKey"] = idempotencyKey,
        };
        TaskRows.SetList(row, "Dependencies", plan.Dependencies);
        StoredJson.Write(row, "Payload", plan.Payload);
        return row;
    }

    /// <summary>The task row, its ready row when claimable, and <c>task.created</c>.</summary>
    private List<TableTransactionAction> RowActions(string swarmId, TableEntity row, TaskPlan plan, Caller caller, DateTimeOffset now)
    {
        var taskId = row.GetString("TaskId")!;
        var actions = new List<TableTransactionAction> { TableActions.Add(row) };
        if (TaskRows.StatusOf(row) == TaskStatus.Pending)
        {
            actions.Add(TableActions.Add(TaskRows.CopyAs(row, TaskRows.ReadyKey(plan.Priority, row.GetDateTimeOffset("ReadyAt")!.Value, taskId))));
        }
        actions.Add(events.Append(swarmId, PendingEvent.Of("task.created", taskId,
            new { taskId, type = plan.Type, title = plan.Title, priority = plan.Priority, status = row.GetString("Status"), assignedTo = plan.AssignedTo, dependencies = plan.Dependencies }, caller.Actor)));
        return actions;
    }

    private async Task<IReadOnlyList<TaskView>> ExistingAsync(string swarmId, string key, CancellationToken cancellationToken)
    {
        var stored = await table.GetEntityAsync(swarmId, TaskRows.IdempotencyKey(key), cancellationToken: cancellationToken).ConfigureAwait(false);
        var views = new List<TaskView>();
        foreach (var id in stored is null ? [] : TaskRows.List(stored, "TaskIds"))
        {
            views.Add(await GetAsync(swarmId, id, cancellationToken).ConfigureAwait(false));
        }
        return views;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
    private static partial Regex TypePattern();
}
