using System.Globalization;
using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>
/// Keys, filters and the one mapper of the task rows (<see cref="TaskRow"/> and its ready copy, <see cref="LeaseRow"/>,
/// <see cref="TaskKeyRow"/>), all in the swarm's partition: the only code that names their properties. A transition
/// changes a task, its index rows and its events in one transaction (<see cref="TaskStore.CommitAsync"/>).
/// </summary>
public static class TaskRows
{
    /// <summary>Prefix of task rows.</summary>
    public const string TaskPrefix = "task|";

    /// <summary>Prefix of ready rows.</summary>
    public const string ReadyPrefix = "ready|";

    /// <summary>Prefix of lease rows.</summary>
    public const string LeasePrefix = "lease|";

    /// <summary>Prefix of idempotency rows.</summary>
    public const string IdempotencyPrefix = "taskidem|";

    /// <summary>How "nobody" is stored for the assignee and the owner: an empty string, so a filter can say <c>eq ''</c>.</summary>
    private const string Nobody = "";

    private static readonly Dictionary<string, TaskStatus> Statuses = Enum.GetValues<TaskStatus>().ToDictionary(StatusText);

    /// <summary>The stored (and wire) text of a status.</summary>
    public static string StatusText(TaskStatus status) => status switch
    {
        TaskStatus.Pending => "pending",
        TaskStatus.Blocked => "blocked",
        TaskStatus.Claimed => "claimed",
        TaskStatus.Completed => "completed",
        TaskStatus.Failed => "failed",
        TaskStatus.DeadLettered => "dead_lettered",
        TaskStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a task status."),
    };

    /// <summary>The task row's key.</summary>
    public static string TaskKey(string taskId) => TaskPrefix + taskId;

    /// <summary>The ready row's key: priority first (higher first), then readiness time (older first).</summary>
    public static string ReadyKey(TaskRow task) =>
        ReadyPrefix + (9 - task.Priority).ToString(CultureInfo.InvariantCulture) + "|" + Ticks(task.ReadyAt) + "|" + task.TaskId;

    /// <summary>The lease row's key of a task's current lease.</summary>
    public static string LeaseKey(TaskRow task) => LeaseKey(task.LeaseExpiresAt ?? throw new ArgumentException("The task has no lease.", nameof(task)), task.TaskId);

    /// <summary>The lease row's key.</summary>
    public static string LeaseKey(DateTimeOffset expiresAt, string taskId) => LeasePrefix + Ticks(expiresAt) + "|" + taskId;

    /// <summary>The idempotency row's key.</summary>
    public static string IdempotencyKey(string key) => TableKeyCodec.Compose(IdempotencyPrefix[..^1], key);

    /// <summary>Ready rows claimable at <paramref name="now"/> by <paramref name="agentId"/>, of <paramref name="types"/> (empty: any).</summary>
    public static string ClaimableFilter(string swarmId, string? agentId, IReadOnlyList<string> types, DateTimeOffset now) =>
        DueReady(swarmId, now) + Eligible(agentId, types);

    /// <summary>Ready rows of <paramref name="types"/> (empty: any) due by <paramref name="now"/>, whoever they are assigned to: a claim pool.</summary>
    public static string ClaimPoolFilter(string swarmId, IReadOnlyList<string> types, DateTimeOffset now) => DueReady(swarmId, now) + OfTypes(types);

    /// <summary>Lease rows that expired before <paramref name="now"/>, soonest first.</summary>
    public static string ExpiredLeasesFilter(string swarmId, DateTimeOffset now) =>
        $"{TableFilter.Partition(swarmId)} and RowKey ge {TableFilter.Literal(LeasePrefix)} and RowKey lt {TableFilter.Literal(LeasePrefix + Ticks(now))}";

    /// <summary>Lease rows of tasks <paramref name="agentId"/> may take over, of <paramref name="types"/> (empty: any), soonest expiry first.</summary>
    /// <remarks>The lease row's assignee is a copy from claim time: the task row's is checked again before a takeover.</remarks>
    public static string EligibleLeasesFilter(string swarmId, string? agentId, IReadOnlyList<string> types) =>
        TableFilter.RowKeyPrefix(swarmId, LeasePrefix) + Eligible(agentId, types);

    /// <summary>Task rows in creation order, optionally narrowed.</summary>
    public static string ListFilter(string swarmId, TaskStatus? status, string? type, string? assignedTo, string? owner)
    {
        var filter = TableFilter.RowKeyPrefix(swarmId, TaskPrefix);
        if (status is { } s)
        {
            filter += $" and Status eq {TableFilter.Literal(StatusText(s))}";
        }
        if (type is not null)
        {
            filter += $" and Type eq {TableFilter.Literal(type)}";
        }
        if (assignedTo is not null)
        {
            filter += $" and AssignedTo eq {TableFilter.Literal(assignedTo)}";
        }
        if (owner is not null)
        {
            filter += $" and Owner eq {TableFilter.Literal(owner)}";
        }
        return filter;
    }

    /// <summary>Tasks claimed before <paramref name="cutoff"/> (recovery).</summary>
    public static string StuckFilter(string swarmId, DateTimeOffset cutoff) =>
        $"{ListFilter(swarmId, TaskStatus.Claimed, null, null, null)} and ClaimedAt lt {TableFilter.Literal(cutoff)}";

    /// <summary>Tasks <paramref name="agentId"/> holds a lease on or is assigned (a departure gives both back).</summary>
    public static string HeldOrAssignedFilter(string swarmId, string agentId) =>
        $"{TableFilter.RowKeyPrefix(swarmId, TaskPrefix)} and ((Status eq {TableFilter.Literal(StatusText(TaskStatus.Claimed))} and Owner eq {TableFilter.Literal(agentId)}) " +
        $"or AssignedTo eq {TableFilter.Literal(agentId)})";

    /// <summary>What <see cref="StatusFrom"/> reads.</summary>
    public static IReadOnlyList<string> StatusColumns { get; } = ["Status"];

    /// <summary>What <see cref="SummaryFrom"/> reads.</summary>
    public static IReadOnlyList<string> SummaryColumns { get; } = ["TaskId", "Type", "Title", "Status", "Priority", "Owner", "AssignedTo", "Attempts", "UpdatedAt"];

    /// <summary>The status of a task row read with <see cref="StatusColumns"/>.</summary>
    public static TaskStatus StatusFrom(TableEntity entity) => entity.RequiredChoice("Status", Statuses);

    /// <summary>A task row read with <see cref="SummaryColumns"/>.</summary>
    public static TaskSummary SummaryFrom(TableEntity entity) => new(
        entity.RequiredString("TaskId"), entity.RequiredString("Type"), entity.RequiredString("Title"), StatusFrom(entity),
        entity.RequiredInt32("Priority"), Someone(entity.RequiredString("Owner")), Someone(entity.RequiredString("AssignedTo")),
        entity.RequiredInt32("Attempts"), entity.RequiredTime("UpdatedAt"));

    /// <summary>Reads a task row or its ready copy; a claimed task without its lease fails loudly too.</summary>
    public static TaskRow From(TableEntity entity)
    {
        var task = Read(entity);
        return task.Status != TaskStatus.Claimed || (task.LeaseId is not null && task.LeaseExpiresAt is not null) ? task
            : throw StoredRow.Unknown(entity, "LeaseExpiresAt", task.LeaseExpiresAt);
    }

    private static TaskRow Read(TableEntity entity) => new()
    {
        SwarmId = entity.PartitionKey,
        TaskId = entity.RequiredString("TaskId"),
        Type = entity.RequiredString("Type"),
        Title = entity.RequiredString("Title"),
        Description = entity.GetString("Description"),
        Payload = StoredJson.Read(entity, "Payload"),
        Priority = entity.RequiredInt32("Priority"),
        Status = StatusFrom(entity),
        Remaining = entity.RequiredInt32("Remaining"),
        AssignedTo = Someone(entity.RequiredString("AssignedTo")),
        Owner = Someone(entity.RequiredString("Owner")),
        Attempts = entity.RequiredInt32("Attempts"),
        MaxAttempts = entity.RequiredInt32("MaxAttempts"),
        FencingToken = entity.RequiredInt64("FencingToken"),
        NotBefore = entity.GetDateTimeOffset("NotBefore"),
        ReadyAt = entity.RequiredTime("ReadyAt"),
        Dependencies = List(entity, "Dependencies") ?? throw StoredRow.Unknown(entity, "Dependencies", null),
        Dependents = List(entity, "Dependents") ?? [],
        LeaseId = entity.GetString("LeaseId"),
        LeaseExpiresAt = entity.GetDateTimeOffset("LeaseExpiresAt"),
        LeaseSeconds = entity.GetInt32("LeaseSeconds"),
        ClaimedAt = entity.GetDateTimeOffset("ClaimedAt"),
        Result = StoredJson.Read(entity, "Result"),
        LastError = entity.GetString("LastError"),
        CompletedAt = entity.GetDateTimeOffset("CompletedAt"),
        IdempotencyKey = entity.GetString("IdempotencyKey"),
        CreatedAt = entity.RequiredTime("CreatedAt"),
        UpdatedAt = entity.RequiredTime("UpdatedAt"),
        CreatedBy = entity.RequiredString("CreatedBy"),
        ETag = entity.ETag,
    };

    /// <summary>The task row's entity.</summary>
    public static TableEntity ToEntity(TaskRow task) => Fill(new TableEntity(task.SwarmId, TaskKey(task.TaskId)), task);

    /// <summary>The ready row's entity: a full copy of the task, so a claim needs no read of the task row.</summary>
    public static TableEntity ToReadyEntity(TaskRow task) => Fill(new TableEntity(task.SwarmId, ReadyKey(task)), task);

    /// <summary>
    /// What a claim merges into the task row (unconditionally: deleting the ready row under its ETag already made the
    /// claimer the only one). Only the lease fields, so what the ready copy may hold stale (its dependents) stays as stored.
    /// </summary>
    public static TableEntity ClaimPatch(TaskRow claimed) => new(claimed.SwarmId, TaskKey(claimed.TaskId))
    {
        ["Status"] = StatusText(claimed.Status), ["Owner"] = claimed.Owner ?? Nobody, ["LeaseId"] = claimed.LeaseId,
        ["FencingToken"] = claimed.FencingToken, ["Attempts"] = claimed.Attempts, ["LeaseExpiresAt"] = claimed.LeaseExpiresAt,
        ["LeaseSeconds"] = claimed.LeaseSeconds, ["ClaimedAt"] = claimed.ClaimedAt, ["UpdatedAt"] = claimed.UpdatedAt,
    };

    /// <summary>What registering a new dependent merges into a dependency's row (under the ETag it was read with).</summary>
    public static TableEntity DependentsPatch(TaskRow dependency, IReadOnlyList<string> dependents)
    {
        var patch = new TableEntity(dependency.SwarmId, TaskKey(dependency.TaskId));
        patch["Dependents"] = JsonSerializer.Serialize(dependents);
        return patch;
    }

    /// <summary>Reads a lease row.</summary>
    public static LeaseRow LeaseFrom(TableEntity entity) =>
        new(entity.PartitionKey, entity.RequiredString("TaskId"), entity.RequiredString("LeaseId"), entity.RequiredTime("ExpiresAt")) { ETag = entity.ETag };

    /// <summary>The lease row of a claimed task; it also carries what a takeover filters on (type, assignee).</summary>
    public static TableEntity ToLeaseEntity(TaskRow task) => new(task.SwarmId, LeaseKey(task))
    {
        ["TaskId"] = task.TaskId, ["Owner"] = task.Owner ?? Nobody, ["LeaseId"] = task.LeaseId, ["FencingToken"] = task.FencingToken,
        ["Type"] = task.Type, ["AssignedTo"] = task.AssignedTo ?? Nobody, ["ExpiresAt"] = task.LeaseExpiresAt,
    };

    /// <summary>Reads an idempotency row.</summary>
    public static TaskKeyRow KeyFrom(TableEntity entity, string key) =>
        new(entity.PartitionKey, key, List(entity, "TaskIds") ?? throw StoredRow.Unknown(entity, "TaskIds", null));

    /// <summary>The idempotency row's entity.</summary>
    public static TableEntity ToEntity(TaskKeyRow row) => new(row.SwarmId, IdempotencyKey(row.Key)) { ["TaskIds"] = JsonSerializer.Serialize(row.TaskIds) };

    private static TableEntity Fill(TableEntity entity, TaskRow task)
    {
        entity["TaskId"] = task.TaskId;
        entity["Type"] = task.Type;
        entity["Title"] = task.Title;
        entity["Description"] = task.Description;
        entity["Priority"] = task.Priority;
        entity["Status"] = StatusText(task.Status);
        entity["Remaining"] = task.Remaining;
        entity["AssignedTo"] = task.AssignedTo ?? Nobody;
        entity["Owner"] = task.Owner ?? Nobody;
        entity["Attempts"] = task.Attempts;
        entity["MaxAttempts"] = task.MaxAttempts;
        entity["FencingToken"] = task.FencingToken;
        entity["NotBefore"] = task.NotBefore;
        entity["ReadyAt"] = task.ReadyAt;
        entity["Dependencies"] = JsonSerializer.Serialize(task.Dependencies);
        entity["Dependents"] = task.Dependents.Count == 0 ? null : JsonSerializer.Serialize(task.Dependents);
        entity["LeaseId"] = task.LeaseId;
        entity["LeaseExpiresAt"] = task.LeaseExpiresAt;
        entity["LeaseSeconds"] = task.LeaseSeconds;
        entity["ClaimedAt"] = task.ClaimedAt;
        entity["LastError"] = task.LastError;
        entity["CompletedAt"] = task.CompletedAt;
        entity["IdempotencyKey"] = task.IdempotencyKey;
        entity["CreatedAt"] = task.CreatedAt;
        entity["UpdatedAt"] = task.UpdatedAt;
        entity["CreatedBy"] = task.CreatedBy;
        StoredJson.Write(entity, "Payload", task.Payload);
        StoredJson.Write(entity, "Result", task.Result);
        return entity;
    }

    private static string? Someone(string stored) => stored == Nobody ? null : stored;

    private static List<string>? List(TableEntity entity, string name)
    {
        if (entity.GetString(name) is not { } json)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? throw StoredRow.Unknown(entity, name, json);
        }
        catch (JsonException)
        {
            throw StoredRow.Unknown(entity, name, json);
        }
    }

    private static string DueReady(string swarmId, DateTimeOffset now) => $"{TableFilter.RowKeyPrefix(swarmId, ReadyPrefix)} and ReadyAt le {TableFilter.Literal(now)}";

    private static string Eligible(string? agentId, IReadOnlyList<string> types) =>
        $" and (AssignedTo eq '' or AssignedTo eq {TableFilter.Literal(agentId ?? Nobody)}){OfTypes(types)}";

    private static string OfTypes(IReadOnlyList<string> types) =>
        types.Count == 0 ? string.Empty : " and (" + string.Join(" or ", types.Select(t => $"Type eq {TableFilter.Literal(t)}")) + ")";

    private static string Ticks(DateTimeOffset time) => time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);
}
