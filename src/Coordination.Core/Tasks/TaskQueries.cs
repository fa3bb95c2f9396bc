using Coordination.Core.Common;
using Coordination.Core.Events;

namespace Coordination.Core.Tasks;

/// <summary>Reading task lists, the snapshot, counts and the task event feed.</summary>
public sealed class TaskQueries(TaskStore store, EventLog events)
{
    /// <summary>Most tasks a snapshot lists.</summary>
    public const int SnapshotLimit = 1000;

    /// <summary>A page of tasks in creation order; the cursor resumes exactly after the last one, whatever is added meanwhile.</summary>
    public async Task<ListPage<TaskView>> ListAsync(string swarmId, string? status, string? type, string? assignedTo, string? owner, int limit, string? cursor, CancellationToken cancellationToken)
    {
        Validation.InRange(limit, "limit", 1, 1000);
        var filter = TaskRows.ListFilter(swarmId, TaskInput.Status(status, "status"), type is null ? null : TaskInput.Type(type, "type"), assignedTo, owner);
        var (rows, next) = await store.PageAsync(filter, limit, cursor is null ? null : DecodeCursor(cursor), cancellationToken).ConfigureAwait(false);
        return new ListPage<TaskView>(rows.Select(r => r.ToView()).ToList(), next is null ? null : OpaqueCursor.Encode(next), next is not null);
    }

    /// <summary>Every task (up to <see cref="SnapshotLimit"/>) in one compact list.</summary>
    public async Task<TaskSnapshot> SnapshotAsync(string swarmId, CancellationToken cancellationToken)
    {
        var (tasks, more) = await store.SummariesAsync(swarmId, SnapshotLimit, cancellationToken).ConfigureAwait(false);
        return new TaskSnapshot(tasks, more);
    }

    /// <summary>Counts per state, from the task rows themselves.</summary>
    public async Task<TaskStats> StatsAsync(string swarmId, CancellationToken cancellationToken)
    {
        var counts = await store.CountByStatusAsync(swarmId, cancellationToken).ConfigureAwait(false);
        int Count(TaskStatus s) => counts.GetValueOrDefault(s);
        return new TaskStats(Count(TaskStatus.Pending), Count(TaskStatus.Blocked), Count(TaskStatus.Claimed), Count(TaskStatus.Completed),
            Count(TaskStatus.Failed), Count(TaskStatus.DeadLettered), Count(TaskStatus.Cancelled), counts.Values.Sum());
    }

    /// <summary>
    /// Task events (<c>task.*</c>) after the cursor (a sequence) and/or since a time. The next cursor is the last event's
    /// sequence — also on a page that reaches the end, so a poller keeps its place — or, when no event came, the cursor
    /// given (null without one).
    /// </summary>
    public async Task<ListPage<SwarmEvent>> EventsAsync(string swarmId, DateTimeOffset? since, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var after = EventCursor.Parse(cursor) ?? 0;
        Validation.InRange(limit, "limit", 1, 1000);
        var found = await events.ReadAsync(swarmId, new EventQuery(after, Since: since, Limit: limit, Patterns: TypePattern.ParseAll(["task.*"], "type")), cancellationToken).ConfigureAwait(false);
        return EventCursor.Page(found, after, limit);
    }

    private static string DecodeCursor(string cursor) =>
        OpaqueCursor.TryDecode(cursor) ?? throw Validation.Invalid("cursor", "is not a cursor this API returned.");
}
