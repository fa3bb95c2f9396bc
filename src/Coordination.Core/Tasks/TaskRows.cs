using System.Globalization;
using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Storage.Tables;

namespace Coordination.Core.Tasks;

/// <summary>
/// Table shapes of tasks (never cross HTTP), in the swarm's partition:
/// <list type="bullet">
/// <item><c>task|{taskId}</c>: the task (ids sort by creation time, so listing pages in creation order).</item>
/// <item><c>ready|{9-priority}|{readyTicks:D19}|{taskId}</c>: exists exactly while the task is claimable, and is a full
/// copy of the task row, so a claim needs no read of the task: deleting the ready row under its ETag makes the
/// claimer the only one, and the task row is then merged unconditionally.</item>
/// <item><c>lease|{expiryTicks:D19}|{taskId}</c>: exists exactly while leased; expiry is one range query.</item>
/// <item><c>taskidem|{key}</c>: an idempotency key and the task ids it created.</item>
/// </list>
/// A transition changes these rows and appends its event in one transaction.
/// </summary>
public static class TaskRows
{
    /// <summary>Prefix of task rows.</summary>
    public const string TaskPrefix = "task|";

    /// <summary>Prefix of ready rows.</summary>
    public const string ReadyPrefix = "ready|";

    /// <summary>Prefix of lease rows.</summary>
    public const string LeasePrefix = "lease|";

    /// <summary>The task row.</summary>
    public static string TaskKey(string taskId) => TaskPrefix + taskId;

    /// <summary>The ready row: priority first (higher first), then readiness time (older first).</summary>
    public static string ReadyKey(int priority, DateTimeOffset readyAt, string taskId) =>
        ReadyPrefix + (9 - priority).ToString(CultureInfo.InvariantCulture) + "|" + readyAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + taskId;

    /// <summary>When a task that becomes pending at <paramref name="now"/> is claimable: not before its <c>NotBefore</c>.</summary>
    public static DateTimeOffset ReadyTime(TableEntity task, DateTimeOffset now) =>
        task.GetDateTimeOffset("NotBefore") is { } notBefore && notBefore > now ? notBefore : now;

    /// <summary>The lease row.</summary>
    public static string LeaseKey(DateTimeOffset expiresAt, string taskId) =>
        LeasePrefix + expiresAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + taskId;

    /// <summary>Exclusive upper bound of lease rows that expired before <paramref name="time"/>.</summary>
    public static string LeaseBound(DateTimeOffset time) => LeasePrefix + time.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The idempotency row.</summary>
    public static string IdempotencyKey(string key) => TableKeyCodec.Compose("taskidem", key);

    /// <summary>The stored status text.</summary>
    public static string StatusText(TaskStatus status) => status switch
    {
        TaskStatus.Pending => "pending",
        TaskStatus.Blocked => "blocked",
        TaskStatus.Claimed => "claimed",
        TaskStatus.Completed => "completed",
        TaskStatus.Failed => "failed",
        TaskStatus.DeadLettered => "dead_lettered",
        _ => "cancelled",
    };

    /// <summary>The status of a row.</summary>
    public static TaskStatus StatusOf(TableEntity row) => row.GetString("Status") switch
    {
        "pending" => TaskStatus.Pending,
        "blocked" => TaskStatus.Blocked,
        "claimed" => TaskStatus.Claimed,
        "completed" => TaskStatus.Completed,
        "failed" => TaskStatus.Failed,
        "dead_lettered" => TaskStatus.DeadLettered,
        _ => TaskStatus.Cancelled,
    };

    /// <summary>A copy of <paramref name="source"/>'s properties under another row key (the ready row is a task copy).</summary>
    public static TableEntity CopyAs(TableEntity source, string rowKey)
    {
        var copy = new TableEntity(source.PartitionKey, rowKey);
        foreach (var (name, value) in source)
        {
            if (name is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            {
                copy[name] = value;
            }
        }
        return copy;
    }

    /// <summary>A JSON list property.</summary>
    public static IReadOnlyList<string> List(TableEntity row, string name) =>
        row.GetString(name) is { Length: > 0 } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];

    /// <summary>Writes a JSON list property.</summary>
    public static void SetList(TableEntity row, string name, IEnumerable<string> values) => row[name] = JsonSerializer.Serialize(values);

    /// <summary>The API view of a task (or ready) row.</summary>
    public static TaskView ToView(TableEntity row, IReadOnlyList<string>? blockedBy = null)
    {
        var status = StatusOf(row);
        var claimed = status == TaskStatus.Claimed;
        return new TaskView(
            row.GetString("TaskId")!, row.GetString("Type")!, row.GetString("Title")!, row.GetString("Description"),
            StoredJson.ReadElement(row, "Payload"), row.GetInt32("Priority") ?? 5, status,
            List(row, "Dependencies"), blockedBy ?? [], Empty(row.GetString("AssignedTo")), Empty(row.GetString("Owner")),
            row.GetInt32("Attempts") ?? 0, row.GetInt32("MaxAttempts") ?? 3, row.GetDateTimeOffset("NotBefore"),
            claimed ? row.GetString("LeaseId") : null, claimed ? row.GetInt64("FencingToken") : null, claimed ? row.GetDateTimeOffset("LeaseExpiresAt") : null,
            StoredJson.ReadElement(row, "Result"), row.GetString("LastError"),
            row.GetDateTimeOffset("CreatedAt")!.Value, row.GetDateTimeOffset("UpdatedAt")!.Value, row.GetString("CreatedBy")!);
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
