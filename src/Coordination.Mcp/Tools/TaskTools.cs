using System.ComponentModel;
using System.Text.Json;
using Coordination.Core.Tasks;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Coordination.Mcp.Tools;

/// <summary>The work queue as a worker uses it: create, claim, complete, fail, give back.</summary>
[McpServerToolType]
public sealed class TaskTools(CoordinationSession session)
{
    /// <summary>Creates a task.</summary>
    [McpServerTool(Name = "task_create", Title = "Create a task")]
    [Description("Adds one task to the swarm's work queue (worker or coordinator). A task with unfinished dependencies waits as 'blocked' " +
                 "until they complete. Pass the same idempotencyKey when retrying, so a retry never creates a duplicate. Returns the task " +
                 "with its taskId and status.")]
    public async Task<CallToolResult> CreateAsync(
        [Description("The kind of work, e.g. 'review' or 'build'; claimers can filter by it.")] string type,
        [Description("A one-line summary of the work.")] string title,
        [Description("Everything a worker needs to know to do it.")] string? description = null,
        [Description("Any JSON the worker needs (inputs, file paths, parameters).")] JsonElement? payload = null,
        [Description("0–9 (higher is more urgent) or low, normal, high, critical. Default normal (5).")] JsonElement? priority = null,
        [Description("Task ids that must complete before this one can be claimed.")] string[]? dependencies = null,
        [Description("Only this agent may claim it (a current worker or coordinator).")] string? assignedTo = null,
        [Description("Claims allowed before the task is dead-lettered (1–100, default 3).")] int? maxAttempts = null,
        [Description("Not claimable before this ISO 8601 UTC time.")] DateTimeOffset? notBefore = null,
        [Description("A key that makes a retry return the original task instead of a duplicate.")] string? idempotencyKey = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.CreateAsync(
            new CreateTaskRequest(type, title, description, payload, priority, dependencies, assignedTo, maxAttempts, notBefore), idempotencyKey, cancellationToken));

    /// <summary>Creates tasks in bulk.</summary>
    [McpServerTool(Name = "task_bulk_create", Title = "Create many tasks")]
    [Description("Adds up to 100 tasks in one call, all or none: one invalid task creates none and is named by its index (tasks[3].priority). " +
                 "Each task has type and title, and optionally description, payload, priority, assignedTo, maxAttempts, notBefore " +
                 "(no dependencies in bulk). Returns {tasks: [...]} in request order.")]
    public async Task<CallToolResult> CreateBulkAsync(
        [Description("The tasks: objects with type, title and optional description, payload, priority, assignedTo, maxAttempts, notBefore.")]
        CreateTaskRequest[] tasks,
        [Description("A key that makes a retry return the original tasks instead of duplicates.")] string? idempotencyKey = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.CreateBulkAsync(tasks, idempotencyKey, cancellationToken));

    /// <summary>Claims tasks.</summary>
    [McpServerTool(Name = "task_claim", Title = "Claim tasks")]
    [Description("Takes the next ready tasks (highest priority, then oldest) under a lease, so no other agent works on them. Each comes with " +
                 "leaseId and fencingToken: pass leaseId to task_complete, task_fail or task_unclaim before leaseExpiresAt. With wait, " +
                 "blocks up to that many seconds for a task. Returns {items: [...]}, empty when nothing was ready. Prefer work_next for one task with its context.")]
    public async Task<CallToolResult> ClaimAsync(
        [Description("Only tasks of these types (default any).")] string[]? types = null,
        [Description("How many tasks to claim (1–10, default 1).")] int count = 1,
        [Description("Lease length in seconds (5–3600, default 300); an unfinished task returns to the queue after it.")] int leaseSeconds = 300,
        [Description("Seconds to wait for a task when none is ready (0–60, default 0).")] int wait = 0,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.ClaimAsync(new ClaimTasksRequest(types, count, leaseSeconds, wait), cancellationToken));

    /// <summary>Completes a task.</summary>
    [McpServerTool(Name = "task_complete", Title = "Complete a task")]
    [Description("Marks a task you hold as completed with its result; tasks that depended on it become claimable. A lease that expired or " +
                 "was taken over answers lease_lost: stop working on it. Returns the completed task.")]
    public async Task<CallToolResult> CompleteAsync(
        [Description("The task id.")] string taskId,
        [Description("The leaseId your claim returned.")] string? leaseId = null,
        [Description("Any JSON result for those who depend on this task.")] JsonElement? result = null,
        [Description("The fencingToken your claim returned (optional extra check).")] long? fencingToken = null,
        [Description("Coordinator only: complete a task someone else holds.")] bool force = false,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.CompleteAsync(taskId, new CompleteTaskRequest(leaseId, fencingToken, result, force), cancellationToken));

    /// <summary>Fails a task.</summary>
    [McpServerTool(Name = "task_fail", Title = "Fail a task")]
    [Description("Reports that a task you hold failed. Retryable failures (the default) go back to the queue while attempts remain, then " +
                 "are dead-lettered; retryable=false fails it for good. Returns the task with its new status.")]
    public async Task<CallToolResult> FailAsync(
        [Description("The task id.")] string taskId,
        [Description("What went wrong, for whoever looks next.")] string error,
        [Description("The leaseId your claim returned.")] string? leaseId = null,
        [Description("Try again later (default true) or fail for good.")] bool retryable = true,
        [Description("The fencingToken your claim returned (optional extra check).")] long? fencingToken = null,
        [Description("Coordinator only: fail a task someone else holds.")] bool force = false,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.FailAsync(taskId, new FailTaskRequest(leaseId, fencingToken, error, retryable, force), cancellationToken));

    /// <summary>Releases a task.</summary>
    [McpServerTool(Name = "task_unclaim", Title = "Give a task back")]
    [Description("Gives a task you hold back to the queue (pending) without finishing it, e.g. when you cannot do it; someone else may " +
                 "claim it. Returns the task.")]
    public async Task<CallToolResult> UnclaimAsync(
        [Description("The task id.")] string taskId,
        [Description("The leaseId your claim returned.")] string? leaseId = null,
        [Description("Why you give it back.")] string? reason = null,
        [Description("The fencingToken your claim returned (optional extra check).")] long? fencingToken = null,
        [Description("Coordinator only: release a task someone else holds.")] bool force = false,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Tasks.ReleaseAsync(taskId, new ReleaseTaskRequest(leaseId, fencingToken, reason, force), cancellationToken));
}
