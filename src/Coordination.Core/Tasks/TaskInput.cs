using System.Text.Json;
using System.Text.RegularExpressions;
using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;

namespace Coordination.Core.Tasks;

/// <summary>A create request, validated: what the new task row is made of.</summary>
/// <param name="Type">Queue name.</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description, if any.</param>
/// <param name="Payload">Payload JSON text, if any.</param>
/// <param name="Priority">0–9.</param>
/// <param name="Dependencies">Distinct task ids that must complete first.</param>
/// <param name="AssignedTo">The only agent that may claim it, if any.</param>
/// <param name="MaxAttempts">Claims allowed.</param>
/// <param name="NotBefore">Not claimable before this time, if set.</param>
public sealed record TaskPlan(
    string Type, string Title, string? Description, string? Payload, int Priority, IReadOnlyList<string> Dependencies,
    string? AssignedTo, int MaxAttempts, DateTimeOffset? NotBefore);

/// <summary>Validation of task input: ids, types, priorities and create requests, each failure naming its field.</summary>
public static partial class TaskInput
{
    /// <summary>Largest result accepted on complete (payloads use the tenant's limit).</summary>
    public const int ResultLimit = 64 * 1024;

    /// <summary>Most dependencies one task may have.</summary>
    public const int MaxDependencies = 20;

    /// <summary>The task states by their wire names (as responses write them, and rows store them), in declaration order.</summary>
    private static readonly IReadOnlyList<KeyValuePair<string, TaskStatus>> StatusNames =
        [.. Enum.GetValues<TaskStatus>().Select(s => KeyValuePair.Create(TaskRows.StatusText(s), s))];

    private static readonly Dictionary<string, int> PriorityNames = new(StringComparer.OrdinalIgnoreCase) { ["low"] = 2, ["normal"] = 5, ["high"] = 7, ["critical"] = 9 };

    /// <summary>A task id as this service makes them.</summary>
    public static bool IsTaskId(string? id) => id is { Length: > 5 and <= 40 } && id.StartsWith("task_", StringComparison.Ordinal) && id[5..].All(char.IsAsciiLetterOrDigit);

    /// <summary>Validates a task type or a type filter entry.</summary>
    public static string Type(string? type, string field) =>
        type is not null && TypePattern().IsMatch(type) ? type : throw Validation.Invalid(field, "must be 1-64 letters, digits or _ . : - (starting with a letter or digit).");

    /// <summary>Parses a priority: 0–9, or low/normal/high/critical.</summary>
    public static int Priority(JsonElement? priority, string field) => priority switch
    {
        null => 5,
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var p) => Validation.InRange(p, field, 0, 9),
        { ValueKind: JsonValueKind.String } s when PriorityNames.TryGetValue(s.GetString()!, out var named) => named,
        _ => throw Validation.Invalid(field, "must be 0-9 or one of low, normal, high, critical."),
    };

    /// <summary>
    /// Parses a status filter by its wire name (<c>pending</c>, <c>dead_lettered</c>, …), exactly as responses write it;
    /// anything else (a .NET name such as <c>DeadLettered</c>, a number) is refused listing the allowed names.
    /// </summary>
    public static TaskStatus? Status(string? status, string field)
    {
        if (status is null)
        {
            return null;
        }
        foreach (var (name, value) in StatusNames)
        {
            if (string.Equals(name, status, StringComparison.Ordinal))
            {
                return value;
            }
        }
        var allowed = StatusNames.Select(n => n.Key).ToList();
        throw Validation.Invalid(field, $"'{status}' is not a task status; expected one of {string.Join(", ", allowed)}.",
            new Dictionary<string, object?> { ["allowed"] = allowed });
    }

    /// <summary>Validates a create request; <paramref name="prefix"/> locates it in a bulk request (<c>tasks[3].</c>).</summary>
    public static TaskPlan Plan(CreateTaskRequest request, string prefix, int payloadLimit)
    {
        var dependencies = (request.Dependencies ?? []).Distinct().ToList();
        if (dependencies.Count > MaxDependencies)
        {
            throw Validation.Invalid(prefix + "dependencies", $"lists more than {MaxDependencies} tasks.");
        }
        for (var i = 0; i < dependencies.Count; i++)
        {
            if (!IsTaskId(dependencies[i]))
            {
                throw Validation.Invalid($"{prefix}dependencies[{i}]", $"'{dependencies[i]}' is not a task id.");
            }
        }
        return new TaskPlan(
            Type(request.Type, prefix + "type"),
            Validation.RequiredText(request.Title, prefix + "title", 200),
            Validation.OptionalText(request.Description, prefix + "description", 4000),
            Validation.Payload(request.Payload, prefix + "payload", payloadLimit),
            Priority(request.Priority, prefix + "priority"),
            dependencies,
            request.AssignedTo is null ? null : Validation.Identifier(request.AssignedTo, prefix + "assignedTo"),
            Validation.InRange(request.MaxAttempts ?? 3, prefix + "maxAttempts", 1, 100),
            request.NotBefore);
    }

    /// <summary>
    /// Refuses an assignee that could never claim the task: one that is not a current member of the swarm (never joined,
    /// or left), or an observer. Null (no assignee) passes.
    /// </summary>
    public static async Task EnsureAssigneeAsync(SwarmDirectory directory, string swarmId, string? agentId, string field, CancellationToken cancellationToken)
    {
        if (agentId is null)
        {
            return;
        }
        var member = await directory.GetMemberAsync(swarmId, agentId, cancellationToken).ConfigureAwait(false);
        if (member is null)
        {
            throw Validation.Invalid(field, $"'{agentId}' is not a member of this swarm; a task can be assigned only to a current member, or nobody could claim it.");
        }
        if (member.Role == Role.Observer)
        {
            throw Validation.Invalid(field, $"'{agentId}' is an observer, which cannot claim tasks; assign a worker or a coordinator.");
        }
    }

    /// <summary>A new task row from a plan: blocked while <paramref name="openDependencies"/> remain, else pending from its notBefore.</summary>
    public static TaskRow NewRow(string swarmId, string taskId, TaskPlan plan, string createdBy, DateTimeOffset now, int openDependencies, string? idempotencyKey) => new()
    {
        SwarmId = swarmId, TaskId = taskId, Type = plan.Type, Title = plan.Title, Description = plan.Description, Payload = plan.Payload,
        Priority = plan.Priority, Status = openDependencies > 0 ? TaskStatus.Blocked : TaskStatus.Pending, Remaining = openDependencies,
        AssignedTo = plan.AssignedTo, Attempts = 0, MaxAttempts = plan.MaxAttempts, FencingToken = 0, NotBefore = plan.NotBefore,
        ReadyAt = plan.NotBefore is { } notBefore && notBefore > now ? notBefore : now, Dependencies = plan.Dependencies,
        IdempotencyKey = idempotencyKey, CreatedAt = now, UpdatedAt = now, CreatedBy = createdBy,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
    private static partial Regex TypePattern();
}
