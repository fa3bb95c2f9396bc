using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordination.Core.Tasks;

/// <summary>Task states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TaskStatus>))]
public enum TaskStatus
{
    /// <summary>Ready to be claimed (possibly not before <c>notBefore</c>).</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    /// <summary>Waiting for dependencies to complete.</summary>
    [JsonStringEnumMemberName("blocked")] Blocked,

    /// <summary>Leased to an agent.</summary>
    [JsonStringEnumMemberName("claimed")] Claimed,

    /// <summary>Done, with a result.</summary>
    [JsonStringEnumMemberName("completed")] Completed,

    /// <summary>Failed without retry (a non-retryable failure).</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>Out of attempts; requeue to try again.</summary>
    [JsonStringEnumMemberName("dead_lettered")] DeadLettered,

    /// <summary>Cancelled by a coordinator.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>Create a task.</summary>
/// <param name="Type">Queue name: 1–64 of letters, digits, <c>_ . : -</c>.</param>
/// <param name="Title">Short title (≤ 200).</param>
/// <param name="Description">Longer text (≤ 4000).</param>
/// <param name="Payload">Any JSON, up to the tenant's payload limit.</param>
/// <param name="Priority">0–9 (higher is more urgent) or low/normal/high/critical (2/5/7/9); default normal.</param>
/// <param name="Dependencies">Task ids that must complete first (≤ 20).</param>
/// <param name="AssignedTo">Only this agent may claim it: a current member, worker or coordinator (else 400).</param>
/// <param name="MaxAttempts">Claims allowed before dead-lettering (1–100, default 3).</param>
/// <param name="NotBefore">Not claimable before this time.</param>
/// <param name="IdempotencyKey">A repeat with the same key returns the original task (also the Idempotency-Key header).</param>
public sealed record CreateTaskRequest(
    string Type, string Title, string? Description = null, JsonElement? Payload = null, JsonElement? Priority = null,
    IReadOnlyList<string>? Dependencies = null, string? AssignedTo = null, int? MaxAttempts = null, DateTimeOffset? NotBefore = null,
    string? IdempotencyKey = null);

/// <summary>Create up to 100 tasks in one call; all or none are accepted.</summary>
/// <param name="Tasks">The tasks.</param>
public sealed record BulkCreateTasksRequest(IReadOnlyList<CreateTaskRequest> Tasks);

/// <summary>Claim up to <paramref name="Count"/> ready tasks.</summary>
/// <param name="Types">Only these types (empty: any).</param>
/// <param name="Count">1–10 tasks (default 1).</param>
/// <param name="LeaseSeconds">Lease TTL: 5–3600 (default 300).</param>
/// <param name="Wait">Seconds to wait for a task when none is ready (0–60): a blocking claim.</param>
public sealed record ClaimTasksRequest(IReadOnlyList<string>? Types = null, int Count = 1, int LeaseSeconds = 300, int Wait = 0);

/// <summary>Complete a claimed task.</summary>
/// <param name="LeaseId">The lease id.</param>
/// <param name="FencingToken">Optional fencing token.</param>
/// <param name="Result">Any JSON result.</param>
/// <param name="Force">Coordinator override of the lease check.</param>
public sealed record CompleteTaskRequest(string? LeaseId = null, long? FencingToken = null, JsonElement? Result = null, bool Force = false);

/// <summary>Fail a claimed task.</summary>
/// <param name="LeaseId">The lease id.</param>
/// <param name="FencingToken">Optional fencing token.</param>
/// <param name="Error">What went wrong (≤ 4000).</param>
/// <param name="Retryable">True (default): back to pending while attempts remain, else dead-lettered. False: failed for good.</param>
/// <param name="Force">Coordinator override of the lease check.</param>
public sealed record FailTaskRequest(string? LeaseId = null, long? FencingToken = null, string? Error = null, bool Retryable = true, bool Force = false);

/// <summary>Renew a lease.</summary>
/// <param name="LeaseId">The lease id.</param>
/// <param name="FencingToken">Optional fencing token.</param>
/// <param name="LeaseSeconds">New TTL from now (5–3600; default the claim's).</param>
public sealed record RenewTaskRequest(string? LeaseId = null, long? FencingToken = null, int? LeaseSeconds = null);

/// <summary>Give a task back to the queue.</summary>
/// <param name="LeaseId">The lease id.</param>
/// <param name="FencingToken">Optional fencing token.</param>
/// <param name="Reason">Why (≤ 1000).</param>
/// <param name="Force">Coordinator override of the lease check.</param>
public sealed record ReleaseTaskRequest(string? LeaseId = null, long? FencingToken = null, string? Reason = null, bool Force = false);

/// <summary>Coordinator changes to a task.</summary>
/// <param name="Title">New title.</param>
/// <param name="Description">New description.</param>
/// <param name="Priority">New priority.</param>
/// <param name="Status">Only <c>cancelled</c> (from pending or blocked) or <c>pending</c> (from cancelled).</param>
public sealed record UpdateTaskRequest(string? Title = null, string? Description = null, JsonElement? Priority = null, TaskStatus? Status = null);

/// <summary>Assign a task to an agent (or unassign with null).</summary>
/// <param name="AssignedTo">The agent (a current member, worker or coordinator), or null; required, so a client writes the null too.</param>
/// <param name="Force">Take it from its current lease holder too.</param>
public sealed record ReassignTaskRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? AssignedTo, bool Force = false);

/// <summary>Return stuck claimed tasks to the queue.</summary>
/// <param name="StuckThresholdMinutes">Claimed for at least this long (1–10080).</param>
/// <param name="DryRun">Only list what would move.</param>
public sealed record RecoverTasksRequest(int StuckThresholdMinutes = 60, bool DryRun = false);

/// <summary>A task as the API shows it.</summary>
public sealed record TaskView(
    string TaskId, string Type, string Title, string? Description, JsonElement? Payload, int Priority, TaskStatus Status,
    IReadOnlyList<string> Dependencies, IReadOnlyList<string> BlockedBy, string? AssignedTo, string? Owner, int Attempts, int MaxAttempts,
    DateTimeOffset? NotBefore, string? LeaseId, long? FencingToken, DateTimeOffset? LeaseExpiresAt, JsonElement? Result, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string CreatedBy);

/// <summary>Tasks claimed in one call (empty when none was ready within the wait).</summary>
/// <param name="Items">Each with its lease, in claim order (priority then age).</param>
public sealed record ClaimedTasks(IReadOnlyList<TaskView> Items);

/// <summary>Counts per state, keyed by the states' wire names.</summary>
/// <param name="Pending">Tasks <c>pending</c>.</param>
/// <param name="Blocked">Tasks <c>blocked</c>.</param>
/// <param name="Claimed">Tasks <c>claimed</c>.</param>
/// <param name="Completed">Tasks <c>completed</c>.</param>
/// <param name="Failed">Tasks <c>failed</c>.</param>
/// <param name="DeadLettered">Tasks <c>dead_lettered</c>.</param>
/// <param name="Cancelled">Tasks <c>cancelled</c>.</param>
/// <param name="Total">All tasks.</param>
public sealed record TaskStats(
    int Pending, int Blocked, int Claimed, int Completed, int Failed, [property: JsonPropertyName("dead_lettered")] int DeadLettered, int Cancelled, int Total);

/// <summary>Tasks created in bulk.</summary>
/// <param name="Tasks">In request order.</param>
public sealed record CreatedTasks(IReadOnlyList<TaskView> Tasks);

/// <summary>The outcome of a recovery.</summary>
/// <param name="DryRun">True when nothing moved.</param>
/// <param name="Tasks">The task ids that moved (or would move).</param>
public sealed record RecoveredTasks(bool DryRun, IReadOnlyList<string> Tasks);

/// <summary>A compact task line for the snapshot list.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="Type">Its queue.</param>
/// <param name="Title">Its title.</param>
/// <param name="Status">Its status.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Owner">Its lease holder, if claimed (or who completed it).</param>
/// <param name="AssignedTo">Its assignee, if any.</param>
/// <param name="Attempts">Claims so far.</param>
/// <param name="UpdatedAt">Last change.</param>
public sealed record TaskSummary(string TaskId, string Type, string Title, TaskStatus Status, int Priority, string? Owner, string? AssignedTo, int Attempts, DateTimeOffset UpdatedAt);

/// <summary>The snapshot list.</summary>
/// <param name="Items">Up to 1000 tasks in creation order.</param>
/// <param name="Truncated">True when the swarm has more.</param>
public sealed record TaskSnapshot(IReadOnlyList<TaskSummary> Items, bool Truncated);
