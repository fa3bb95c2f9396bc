using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.Tasks;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coordination.Functions.Features.Tasks;

/// <summary>Task queue routes.</summary>
public static class TaskEndpoints
{
    /// <summary>Maps the task routes.</summary>
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms/{id}/tasks").WithTags("tasks");
        group.MapPost("", CreateAsync).WithName("CreateTask").Requires(Access.Writer).ProducesProblems(ProblemCatalog.AlreadyExists, ProblemCatalog.QuotaExceeded)
            .WithSummary("Creates a task (Idempotency-Key header or idempotencyKey: a repeat returns the original).");
        group.MapPost("/bulk", CreateBulkAsync).WithName("CreateTasksBulk").Requires(Access.Writer).ProducesProblems(ProblemCatalog.AlreadyExists, ProblemCatalog.QuotaExceeded)
            .WithSummary("Creates up to 100 tasks (201; a repeat with the same Idempotency-Key answers 200 with the original tasks); one invalid item creates none and is named by its index.");
        group.MapPost("/claim", ClaimAsync).WithName("ClaimTasks").Requires(Access.Writer)
            .WithSummary("Claims the next tasks by priority then age (types, assignment and dependencies honoured); wait= blocks until one is ready.");
        group.MapGet("", ListAsync).WithName("ListTasks").Requires(Access.Member).TakesEnum<Core.Tasks.TaskStatus>("status")
            .WithSummary("Lists tasks in creation order (status by wire name, type, assignedTo, owner), paged with cursor and limit.");
        group.MapGet("/stats", StatsAsync).WithName("GetTaskStats").Requires(Access.Member).WithSummary("Counts tasks per state.");
        group.MapGet("/snapshot", SnapshotAsync).WithName("GetTaskSnapshot").Requires(Access.Member).WithSummary("All tasks (up to 1000) in one compact list.");
        group.MapGet("/events", EventsAsync).WithName("GetTaskEvents").Requires(Access.Member).RefusesRenamedQuery(("after", "cursor")).WithSummary("Task events after a cursor (a sequence) and/or since a time, paged with cursor and limit.");
        group.MapPost("/recover", RecoverAsync).WithName("RecoverTasks").Requires(Access.Coordinator)
            .WithSummary("Returns tasks claimed longer than stuckThresholdMinutes to the queue (dryRun lists them).");
        group.MapGet("/{taskId}", GetAsync).WithName("GetTask").Requires(Access.Member).WithSummary("Reads a task.");
        group.MapPatch("/{taskId}", UpdateAsync).WithName("UpdateTask").Requires(Access.Coordinator).ProducesProblems(ProblemCatalog.InvalidTransition)
            .WithSummary("Changes title, description, priority, or cancels / un-cancels.");
        group.MapDelete("/{taskId}", DeleteAsync).WithName("DeleteTask").Requires(Access.Writer).ProducesProblems(ProblemCatalog.InvalidTransition)
            .WithSummary("Deletes a task (force=true, coordinator, for a claimed one).");
        group.MapPost("/{taskId}/renew", RenewAsync).WithName("RenewTask").Requires(Access.Writer).ProducesProblems(ProblemCatalog.LeaseLost, ProblemCatalog.NotHolder)
            .WithSummary("Extends the lease.");
        group.MapPost("/{taskId}/release", ReleaseAsync).WithName("ReleaseTask").Requires(Access.Writer).ProducesProblems(ProblemCatalog.LeaseLost, ProblemCatalog.NotHolder)
            .WithSummary("Gives the task back to the queue.");
        group.MapPost("/{taskId}/complete", CompleteAsync).WithName("CompleteTask").Requires(Access.Writer)
            .ProducesProblems(ProblemCatalog.LeaseLost, ProblemCatalog.NotHolder, ProblemCatalog.QuotaExceeded).WithSummary("Completes the task with a result.");
        group.MapPost("/{taskId}/fail", FailAsync).WithName("FailTask").Requires(Access.Writer).ProducesProblems(ProblemCatalog.LeaseLost, ProblemCatalog.NotHolder)
            .WithSummary("Fails the attempt: retried while attempts remain (retryable), else dead-lettered; non-retryable fails for good.");
        group.MapPost("/{taskId}/reassign", ReassignAsync).WithName("ReassignTask").Requires(Access.Coordinator).ProducesProblems(ProblemCatalog.InvalidTransition)
            .WithSummary("Assigns the task to an agent (force=true takes it from its current holder).");
        group.MapPost("/{taskId}/requeue", RequeueAsync).WithName("RequeueTask").Requires(Access.Writer).ProducesProblems(ProblemCatalog.InvalidTransition)
            .WithSummary("Puts a dead-lettered or failed task back to pending with its attempts reset.");
        return app;
    }

    private static async Task<Results<Created<TaskView>, Ok<TaskView>>> CreateAsync(string id, CreateTaskRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        HttpContext context, TaskService tasks, CancellationToken ct)
    {
        var (task, created) = await tasks.CreateAsync(id, context.Caller(), request, idempotencyKey, ct);
        return created ? TypedResults.Created($"/api/swarms/{id}/tasks/{task.TaskId}", task) : TypedResults.Ok(task);
    }

    private static async Task<Results<Created<CreatedTasks>, Ok<CreatedTasks>>> CreateBulkAsync(string id, BulkCreateTasksRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext context, TaskService tasks, CancellationToken ct)
    {
        // No Location: a bulk create makes many resources, each named by its taskId.
        var (created, fresh) = await tasks.CreateBulkAsync(id, context.Caller(), request, idempotencyKey, ct);
        return fresh ? TypedResults.Created((string?)null, created) : TypedResults.Ok(created);
    }

    private static async Task<Ok<ClaimedTasks>> ClaimAsync(string id, ClaimTasksRequest? request, HttpContext context, TaskLeases leases, CancellationToken ct) =>
        TypedResults.Ok(await leases.ClaimAsync(id, context.Caller(), request ?? new ClaimTasksRequest(), ct));

    private static async Task<Ok<ListPage<TaskView>>> ListAsync(string id, string? status, string? type, string? assignedTo, string? owner, int? limit, string? cursor, TaskQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.ListAsync(id, status, type, assignedTo, owner, limit ?? 100, cursor, ct));

    private static async Task<Ok<TaskStats>> StatsAsync(string id, TaskQueries queries, CancellationToken ct) => TypedResults.Ok(await queries.StatsAsync(id, ct));

    private static async Task<Ok<TaskSnapshot>> SnapshotAsync(string id, TaskQueries queries, CancellationToken ct) => TypedResults.Ok(await queries.SnapshotAsync(id, ct));

    private static async Task<Ok<ListPage<SwarmEvent>>> EventsAsync(string id, DateTimeOffset? since, string? cursor, int? limit, TaskQueries queries, CancellationToken ct) =>
        TypedResults.Ok(await queries.EventsAsync(id, since, cursor, limit ?? 100, ct));

    private static async Task<Ok<RecoveredTasks>> RecoverAsync(string id, RecoverTasksRequest? request, HttpContext context, TaskAdmin admin, CancellationToken ct) =>
        TypedResults.Ok(await admin.RecoverAsync(id, context.Caller(), request ?? new RecoverTasksRequest(), ct));

    private static async Task<Ok<TaskView>> GetAsync(string id, string taskId, TaskService tasks, CancellationToken ct) => TypedResults.Ok(await tasks.GetAsync(id, taskId, ct));

    private static async Task<Ok<TaskView>> UpdateAsync(string id, string taskId, UpdateTaskRequest request, HttpContext context, TaskAdmin admin, CancellationToken ct) =>
        TypedResults.Ok(await admin.UpdateAsync(id, context.Caller(), taskId, request, ct));

    private static async Task<NoContent> DeleteAsync(string id, string taskId, bool? force, HttpContext context, TaskAdmin admin, CancellationToken ct)
    {
        await admin.DeleteAsync(id, context.Caller(), taskId, force ?? false, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<TaskView>> RenewAsync(string id, string taskId, RenewTaskRequest request, HttpContext context, TaskLeases leases, CancellationToken ct) =>
        TypedResults.Ok(await leases.RenewAsync(id, context.Caller(), taskId, request, ct));

    private static async Task<Ok<TaskView>> ReleaseAsync(string id, string taskId, ReleaseTaskRequest request, HttpContext context, TaskLeases leases, CancellationToken ct) =>
        TypedResults.Ok(await leases.ReleaseAsync(id, context.Caller(), taskId, request, ct));

    private static async Task<Ok<TaskView>> CompleteAsync(string id, string taskId, CompleteTaskRequest request, HttpContext context, TaskLeases leases, CancellationToken ct) =>
        TypedResults.Ok(await leases.CompleteAsync(id, context.Caller(), taskId, request, ct));

    private static async Task<Ok<TaskView>> FailAsync(string id, string taskId, FailTaskRequest request, HttpContext context, TaskLeases leases, CancellationToken ct) =>
        TypedResults.Ok(await leases.FailAsync(id, context.Caller(), taskId, request, ct));

    private static async Task<Ok<TaskView>> ReassignAsync(string id, string taskId, ReassignTaskRequest request, HttpContext context, TaskAdmin admin, CancellationToken ct) =>
        TypedResults.Ok(await admin.ReassignAsync(id, context.Caller(), taskId, request, ct));

    private static async Task<Ok<TaskView>> RequeueAsync(string id, string taskId, HttpContext context, TaskAdmin admin, CancellationToken ct) =>
        TypedResults.Ok(await admin.RequeueAsync(id, context.Caller(), taskId, ct));
}
