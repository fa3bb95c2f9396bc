using System.Text.Json;
using Azure;

namespace Coordination.Core.Tasks;

/// <summary>
/// A task as stored: the <c>task|{taskId}</c> row, and the full copy of it under its <c>ready|…</c> key while it is
/// claimable. The lease fields describe the last lease (kept after it ends, so a repeated complete of that lease is
/// recognised); they are current only while <see cref="Status"/> is claimed.
/// </summary>
public sealed record TaskRow
{
    /// <summary>The swarm (partition).</summary>
    public required string SwarmId { get; init; }

    /// <summary>The task id (<c>task_…</c>, sortable by creation time).</summary>
    public required string TaskId { get; init; }

    /// <summary>The queue it is in.</summary>
    public required string Type { get; init; }

    /// <summary>Short title.</summary>
    public required string Title { get; init; }

    /// <summary>Longer text, if any.</summary>
    public string? Description { get; init; }

    /// <summary>The JSON payload text, if any.</summary>
    public string? Payload { get; init; }

    /// <summary>0–9, higher is more urgent.</summary>
    public required int Priority { get; init; }

    /// <summary>Where it is in its life.</summary>
    public required TaskStatus Status { get; init; }

    /// <summary>Dependencies not completed yet (counted down as they complete, also while cancelled).</summary>
    public required int Remaining { get; init; }

    /// <summary>The only agent that may claim it, if any.</summary>
    public string? AssignedTo { get; init; }

    /// <summary>The agent that holds (or, once completed, held) its lease, if any.</summary>
    public string? Owner { get; init; }

    /// <summary>Claims made so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>Claims allowed before it is dead-lettered.</summary>
    public required int MaxAttempts { get; init; }

    /// <summary>The last lease's fencing token (0 before the first claim); each lease gets the next.</summary>
    public required long FencingToken { get; init; }

    /// <summary>Not claimable before this time, if set.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>When it became (or becomes) claimable: the ready row's key orders by it.</summary>
    public required DateTimeOffset ReadyAt { get; init; }

    /// <summary>Tasks that must complete first.</summary>
    public required IReadOnlyList<string> Dependencies { get; init; }

    /// <summary>Tasks that wait for this one.</summary>
    public IReadOnlyList<string> Dependents { get; init; } = [];

    /// <summary>The last lease's id.</summary>
    public string? LeaseId { get; init; }

    /// <summary>When the last lease expires (expired).</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>The TTL the last lease was claimed with (a renew's default).</summary>
    public int? LeaseSeconds { get; init; }

    /// <summary>When the last lease was claimed.</summary>
    public DateTimeOffset? ClaimedAt { get; init; }

    /// <summary>The completion's JSON result text, if any.</summary>
    public string? Result { get; init; }

    /// <summary>The last failure's message, if any.</summary>
    public string? LastError { get; init; }

    /// <summary>When it completed.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The idempotency key it was created with, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Creation time.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Last change.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who created it.</summary>
    public required string CreatedBy { get; init; }

    /// <summary>The version read (of the task row, or of the ready row it was read from), for a conditional write.</summary>
    public ETag ETag { get; init; }

    /// <summary>True while a lease holds it at <paramref name="now"/>.</summary>
    public bool IsLeased(DateTimeOffset now) => Status == TaskStatus.Claimed && LeaseExpiresAt > now;

    /// <summary>True when <paramref name="agentId"/> may claim it (unassigned, or assigned to that agent).</summary>
    public bool MayBeClaimedBy(string? agentId) => AssignedTo is null || AssignedTo == agentId;

    /// <summary>The API view; <paramref name="blockedBy"/> lists the dependencies still open.</summary>
    public TaskView ToView(IReadOnlyList<string>? blockedBy = null)
    {
        var claimed = Status == TaskStatus.Claimed;
        return new TaskView(
            TaskId, Type, Title, Description, Json(Payload), Priority, Status, Dependencies, blockedBy ?? [], AssignedTo, Owner,
            Attempts, MaxAttempts, NotBefore, claimed ? LeaseId : null, claimed ? FencingToken : null, claimed ? LeaseExpiresAt : null,
            Json(Result), LastError, CreatedAt, UpdatedAt, CreatedBy);
    }

    private static JsonElement? Json(string? text) => text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
}

/// <summary>The <c>lease|{expiryTicks:D19}|{taskId}</c> row: exists exactly while a lease holds the task, so expiry is one range query.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="TaskId">The leased task.</param>
/// <param name="LeaseId">The lease.</param>
/// <param name="ExpiresAt">When it expires (its key orders by it).</param>
public sealed record LeaseRow(string SwarmId, string TaskId, string LeaseId, DateTimeOffset ExpiresAt)
{
    /// <summary>The version read; ending the lease from this row is conditional on it.</summary>
    public ETag ETag { get; init; }
}

/// <summary>The <c>taskidem|{key}</c> row: an idempotency key and the task ids it created.</summary>
/// <param name="SwarmId">The swarm (partition).</param>
/// <param name="Key">The idempotency key.</param>
/// <param name="TaskIds">The tasks created under it, in request order.</param>
public sealed record TaskKeyRow(string SwarmId, string Key, IReadOnlyList<string> TaskIds);
