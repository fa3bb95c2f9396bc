using Coordination.Core.Events;
using Coordination.Core.Problems;

namespace Coordination.Core.Tasks;

/// <summary>The coordinator's edits and the dependency count-down: the same transitions, committed the same way.</summary>
public static partial class LeaseRules
{
    /// <summary>When a task that becomes pending at <paramref name="now"/> is claimable: not before its notBefore.</summary>
    public static DateTimeOffset ReadyTime(TaskRow task, DateTimeOffset now) => task.NotBefore is { } notBefore && notBefore > now ? notBefore : now;

    private static TaskTransition Edit(TaskRow task, EditTask command, DateTimeOffset now)
    {
        var next = task.Status;
        var type = "task.updated";
        if (command.Status is { } wanted && wanted != task.Status)
        {
            next = (task.Status, wanted) switch
            {
                (TaskStatus.Pending or TaskStatus.Blocked, TaskStatus.Cancelled) => TaskStatus.Cancelled,
                // A dependency that completed while the task was cancelled still counted down (see Unblock).
                (TaskStatus.Cancelled, TaskStatus.Pending) => task.Remaining > 0 ? TaskStatus.Blocked : TaskStatus.Pending,
                _ => throw InvalidTransition(task, $"status {TaskRows.StatusText(wanted)}"),
            };
            type = next == TaskStatus.Cancelled ? "task.cancelled" : "task.updated";
        }
        var edited = task with
        {
            Title = command.Title ?? task.Title,
            Description = command.Description ?? task.Description,
            Priority = command.Priority ?? task.Priority,
            Status = next,
            UpdatedAt = now,
            // Staying pending keeps its place in the queue; becoming pending again waits for its notBefore.
            ReadyAt = next != TaskStatus.Pending ? task.ReadyAt : task.Status == TaskStatus.Pending ? task.ReadyAt : ReadyTime(task, now),
        };
        return Changed(task, edited, PendingEvent.Of(type, task.TaskId,
            new { taskId = task.TaskId, status = TaskRows.StatusText(next), title = command.Title, priority = edited.Priority }, command.Actor));
    }

    private static TaskTransition Requeue(TaskRow task, RequeueTask command, DateTimeOffset now)
    {
        if (task.Status is not (TaskStatus.DeadLettered or TaskStatus.Failed))
        {
            throw InvalidTransition(task, "requeue (only dead-lettered or failed tasks)");
        }
        var requeued = task with { Status = TaskStatus.Pending, Attempts = 0, ReadyAt = now, UpdatedAt = now };
        return Changed(task, requeued,
            PendingEvent.Of("task.requeued", task.TaskId, new { taskId = task.TaskId, from = TaskRows.StatusText(task.Status) }, command.Actor));
    }

    private static TaskTransition Delete(TaskRow task, DeleteTask command)
    {
        if (task.Status == TaskStatus.Claimed && !(command.Force && command.IsCoordinator))
        {
            throw command.Force
                ? new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may force the deletion of a claimed task.")
                : InvalidTransition(task, "deletion while claimed (a coordinator may use force=true)");
        }
        return new TaskTransition(task, null, TaskWrite.Delete,
            [PendingEvent.Of("task.deleted", task.TaskId, new { taskId = task.TaskId, status = TaskRows.StatusText(task.Status) }, command.Actor)]);
    }

    /// <summary>
    /// A dependency completed: a blocked task counts down and becomes claimable (from its notBefore) at zero. A task
    /// cancelled while blocked still counts down, so that un-cancelling it knows whether it is still blocked.
    /// </summary>
    private static TaskTransition Unblock(TaskRow task, UnblockTask command, DateTimeOffset now)
    {
        var counts = task.Status switch
        {
            TaskStatus.Blocked => true,
            TaskStatus.Cancelled => task.Remaining > 0,
            _ => false,
        };
        if (!counts)
        {
            return TaskTransition.Unchanged(task);
        }
        var remaining = Math.Max(0, task.Remaining - 1);
        if (remaining > 0 || task.Status == TaskStatus.Cancelled)
        {
            return Changed(task, task with { Remaining = remaining, UpdatedAt = now });
        }
        var ready = task with { Remaining = 0, Status = TaskStatus.Pending, ReadyAt = ReadyTime(task, now), UpdatedAt = now };
        return Changed(task, ready,
            PendingEvent.Of("task.unblocked", task.TaskId, new { taskId = task.TaskId, after = command.CompletedTaskId }, command.Actor));
    }
}
