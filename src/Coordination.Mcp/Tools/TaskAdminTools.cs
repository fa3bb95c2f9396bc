using System.ComponentModel;
using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Core.Tasks;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.Mcp.Tools;

/// <summary>The work queue as a coordinator sees it: list, statistics, events, edits and recovery.</summary>
[McpServerToolType]
public sealed class TaskAdminTools(CoordinationSession session)
{
    /// <summary>Lists tasks.</summary>
    [McpServerTool(Name = "task_list", Title = "List tasks", ReadOnly = true)]
    [Description("Lists the swarm's tasks in creation order, filtered by status, type, assignee or current holder. Pages: pass nextCursor " +
                 "back as cursor while hasMore. Returns {items, nextCursor, hasMore}.")]
    public async Task<CallToolResult> ListAsync(
        [Description("pending, blocked, claimed, completed, failed, dead_lettered or cancelled.")] string? status = null,
        [Description("Only tasks of this type.")] string? type = null,
        [Description("Only tasks assigned to this agent.")] string? assignedTo = null,
        [Description("Only tasks currently leased to this agent.")] string? owner = null,
        [Description("Page size (default 50).")] int? limit = null,
        [Description("The nextCursor of the previous page.")] string? cursor = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.ListAsync(ParseStatus(status), type, assignedTo, owner, limit, cursor, cancellationToken));

    /// <summary>Counts tasks per status.</summary>
    [McpServerTool(Name = "task_stats", Title = "Task counts", ReadOnly = true)]
    [Description("Counts the swarm's tasks per status (pending, blocked, claimed, completed, failed, dead_lettered, cancelled) and in total. " +
                 "Use it to see how much work is left.")]
    public async Task<CallToolResult> StatsAsync(CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.StatsAsync(cancellationToken));

    /// <summary>Reads task events.</summary>
    [McpServerTool(Name = "task_events", Title = "Task events", ReadOnly = true)]
    [Description("Reads the task events of the swarm's log in order (task.created, task.claimed, task.completed, task.failed, …). To follow " +
                 "along, pass the previous answer's nextCursor as cursor. Returns {items, nextCursor, hasMore}.")]
    public async Task<CallToolResult> EventsAsync(
        [Description("The nextCursor of the previous page (\"0\" or absent: from the start).")] string? cursor = null,
        [Description("Only events at or after this ISO 8601 UTC time.")] DateTimeOffset? since = null,
        [Description("Page size (default 100).")] int? limit = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.EventsAsync(since, cursor, limit, cancellationToken));

    /// <summary>Recovers stuck tasks.</summary>
    [McpServerTool(Name = "task_recover", Title = "Recover stuck tasks")]
    [Description("Coordinator: returns tasks claimed for longer than stuckThresholdMinutes to the queue (their holders are presumed stuck). " +
                 "With dryRun, only lists them. Returns {dryRun, tasks: [taskIds]}.")]
    public async Task<CallToolResult> RecoverAsync(
        [Description("Tasks claimed longer than this many minutes count as stuck (default 60).")] int stuckThresholdMinutes = 60,
        [Description("Only list the tasks that would be recovered.")] bool dryRun = false,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.RecoverAsync(new RecoverTasksRequest(stuckThresholdMinutes, dryRun), cancellationToken));

    /// <summary>Edits a task.</summary>
    [McpServerTool(Name = "task_update", Title = "Edit a task")]
    [Description("Coordinator: changes a task's title, description or priority, or sets its status (e.g. cancelled). Returns the task.")]
    public async Task<CallToolResult> UpdateAsync(
        [Description("The task id.")] string taskId,
        [Description("New title.")] string? title = null,
        [Description("New description.")] string? description = null,
        [Description("New priority: 0–9 or low, normal, high, critical.")] JsonElement? priority = null,
        [Description("New status, e.g. cancelled.")] string? status = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.UpdateAsync(taskId, new UpdateTaskRequest(title, description, priority, ParseStatus(status)), cancellationToken));

    /// <summary>Reassigns a task.</summary>
    [McpServerTool(Name = "task_reassign", Title = "Reassign a task")]
    [Description("Coordinator: assigns a task to another agent (only that agent may claim it), or to anyone when assignedTo is omitted. " +
                 "force also takes it from a current holder. Returns the task.")]
    public async Task<CallToolResult> ReassignAsync(
        [Description("The task id.")] string taskId,
        [Description("The new assignee (a worker or coordinator); omit to let anyone claim it.")] string? assignedTo = null,
        [Description("Take the task from an agent holding it now.")] bool force = false,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.ReassignAsync(taskId, new ReassignTaskRequest(assignedTo, force), cancellationToken));

    /// <summary>Deletes a task.</summary>
    [McpServerTool(Name = "task_delete", Title = "Delete a task", Destructive = true)]
    [Description("Deletes a task that nobody holds (force: a coordinator deletes a claimed one too). Returns {deleted: taskId}.")]
    public async Task<CallToolResult> DeleteAsync(
        [Description("The task id.")] string taskId,
        [Description("Delete even while someone holds it (coordinator).")] bool force = false,
        CancellationToken cancellationToken = default)
    {
        await session.SwarmClient.Tasks.DeleteAsync(taskId, force, cancellationToken);
        return ToolResults.Json(new { Deleted = taskId });
    }

    /// <summary>A status by its wire name; an unknown one is refused with the names that exist.</summary>
    internal static TaskStatus? ParseStatus(string? status)
    {
        if (string.IsNullOrWhiteSpace(status))
        {
            return null;
        }
        return WireJson.TryParseName<TaskStatus>(status, out var parsed) ? parsed
            : throw new ArgumentException($"status: '{status}' is not a task status; use pending, blocked, claimed, completed, failed, dead_lettered or cancelled.");
    }
}
