using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;

namespace Coordination.Core.Tasks;

/// <summary>
/// The coordinator's operations — update, reassign, delete, requeue, recover — and giving back what a departing member
/// held. Each reads the task, decides with <see cref="LeaseRules"/> and commits; a lost race is decided again on a fresh
/// read (<c>contention</c> only once the bounded retries are used up).
/// </summary>
public sealed class TaskAdmin(TaskStore store, SwarmDirectory directory, TimeProvider clock) : IMemberDepartureHandler
{
    /// <summary>Coordinator edits: title, description, priority, cancel or un-cancel.</summary>
    public Task<TaskView> UpdateAsync(string swarmId, Caller caller, string taskId, UpdateTaskRequest request, CancellationToken cancellationToken)
    {
        var edit = new EditTask(
            request.Title is null ? null : Validation.RequiredText(request.Title, "title", 200),
            request.Description is null ? null : Validation.OptionalText(request.Description, "description", 4000),
            request.Priority is null ? null : TaskInput.Priority(request.Priority, "priority"),
            request.Status, caller.Actor);
        return ApplyAsync(swarmId, taskId, edit, cancellationToken);
    }

    /// <summary>
    /// Assigns a task to a current member that may claim (or unassigns it); a claimed task held by someone else needs
    /// <paramref name="request"/>.Force.
    /// </summary>
    public async Task<TaskView> ReassignAsync(string swarmId, Caller caller, string taskId, ReassignTaskRequest request, CancellationToken cancellationToken)
    {
        var assignee = request.AssignedTo is null ? null : Validation.Identifier(request.AssignedTo, "assignedTo");
        await TaskInput.EnsureAssigneeAsync(directory, swarmId, assignee, "assignedTo", cancellationToken).ConfigureAwait(false);
        return await ApplyAsync(swarmId, taskId, new ReassignTask(assignee, request.Force, caller.Actor), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a task; a claimed one only with <paramref name="force"/> (coordinator).</summary>
    public Task DeleteAsync(string swarmId, Caller caller, string taskId, bool force, CancellationToken cancellationToken) =>
        ApplyAsync(swarmId, taskId, new DeleteTask(force, caller.HasRole(Role.Coordinator), caller.Actor), cancellationToken);

    /// <summary>Puts a dead-lettered or failed task back to pending with its attempts reset.</summary>
    public Task<TaskView> RequeueAsync(string swarmId, Caller caller, string taskId, CancellationToken cancellationToken) =>
        ApplyAsync(swarmId, taskId, new RequeueTask(caller.Actor), cancellationToken);

    /// <summary>Claimed tasks held longer than the threshold go back to the queue; a dry run lists exactly those.</summary>
    public async Task<RecoveredTasks> RecoverAsync(string swarmId, Caller caller, RecoverTasksRequest request, CancellationToken cancellationToken)
    {
        var threshold = TimeSpan.FromMinutes(Validation.InRange(request.StuckThresholdMinutes, "stuckThresholdMinutes", 1, 10080));
        var stuck = await store.QueryAsync(TaskRows.StuckFilter(swarmId, clock.GetUtcNow() - threshold), int.MaxValue, cancellationToken).ConfigureAwait(false);
        if (request.DryRun)
        {
            return new RecoveredTasks(true, stuck.Select(t => t.TaskId).ToList());
        }
        var moved = new List<string>();
        foreach (var task in stuck)
        {
            // One attempt each: a task that changed since the query (completed, renewed by its holder) is not stuck any more.
            var transition = LeaseRules.Decide(task, new RecoverTask(caller.Actor), clock.GetUtcNow());
            if (transition.Changes && await store.CommitAsync(swarmId, [transition], cancellationToken).ConfigureAwait(false) == TaskCommit.Committed)
            {
                moved.Add(task.TaskId);
            }
        }
        return new RecoveredTasks(false, moved);
    }

    /// <summary>
    /// A departing member's claimed tasks go back to the queue and its assignments are cleared. A task changed meanwhile
    /// (edited, say) is decided again on a fresh read, so it is neither left leased to an agent that is gone nor does it fail
    /// the departure; one that finished or went away meanwhile is left alone.
    /// </summary>
    public async Task ReleaseAsync(string swarmId, string agentId, Caller by, CancellationToken cancellationToken)
    {
        foreach (var task in await store.QueryAsync(TaskRows.HeldOrAssignedFilter(swarmId, agentId), int.MaxValue, cancellationToken).ConfigureAwait(false))
        {
            var departure = new DepartFromTask(agentId, by.Actor);
            var first = true;
            await OptimisticRetry.RunAsync<object>(async ct =>
            {
                var current = first ? task : await store.FindAsync(swarmId, task.TaskId, ct).ConfigureAwait(false);
                first = false;
                var transition = current is null ? null : LeaseRules.Decide(current, departure, clock.GetUtcNow());
                var settled = transition is null || await store.CommitAsync(swarmId, [transition], ct).ConfigureAwait(false) != TaskCommit.LostRace;
                return settled ? departure : null;
            }, $"task '{task.TaskId}'", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads, decides and commits one command, deciding again on a fresh read after a lost race.</summary>
    private Task<TaskView> ApplyAsync(string swarmId, string taskId, TaskCommand command, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var task = await store.ReadAsync(swarmId, taskId, ct).ConfigureAwait(false);
            var transition = LeaseRules.Decide(task, command, clock.GetUtcNow());
            return await store.CommitAsync(swarmId, [transition], ct).ConfigureAwait(false) == TaskCommit.Committed
                ? (transition.After ?? task).ToView()
                : null;
        }, $"task '{taskId}'", cancellationToken);
}
