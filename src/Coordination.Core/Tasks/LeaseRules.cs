using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Problems;

namespace Coordination.Core.Tasks;

/// <summary>
/// The task decisions, pure and clock-free (time is passed in): each turns the row read and a command into a
/// <see cref="TaskTransition"/> — the next status, the row as it will be, the events — or refuses with a problem.
/// <see cref="TaskStore.CommitAsync"/> applies any transition; the index rows follow from it. Every lease command
/// (claim, steal, renew, release, complete, fail, expire, recover, reassign, departure) and every coordinator edit goes
/// through here, so each rule is written once.
/// </summary>
public static partial class LeaseRules
{
    /// <summary>Decides what <paramref name="command"/> does to <paramref name="current"/> at <paramref name="now"/>.</summary>
    /// <exception cref="ProblemException">The command is refused (lease lost, not the holder, not allowed in this state, …).</exception>
    public static TaskTransition Decide(TaskRow current, TaskCommand command, DateTimeOffset now) => command switch
    {
        ClaimTask claim => Claim(current, claim, now),
        StealTask steal => Steal(current, steal, now),
        RenewLease renew => Renew(current, renew, now),
        ReleaseTask release => Release(current, release, now),
        CompleteTask complete => Complete(current, complete, now),
        FailTask fail => Fail(current, fail, now),
        ExpireLease => Expire(current, now),
        RecoverTask recover => Recover(current, recover, now),
        ReassignTask reassign => Reassign(current, reassign, now),
        DepartFromTask depart => Depart(current, depart, now),
        EditTask edit => Edit(current, edit, now),
        RequeueTask requeue => Requeue(current, requeue, now),
        DeleteTask delete => Delete(current, delete),
        UnblockTask unblock => Unblock(current, unblock, now),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Not a task command."),
    };

    /// <summary>What happens to a task whose lease ends without success: pending while attempts remain, else dead-lettered.</summary>
    public static TaskStatus AfterLostAttempt(TaskRow task) => task.Attempts < task.MaxAttempts ? TaskStatus.Pending : TaskStatus.DeadLettered;

    /// <summary>True when <paramref name="agentId"/> may claim the (ready) task at <paramref name="now"/>.</summary>
    public static bool IsClaimable(TaskRow task, string? agentId, DateTimeOffset now) =>
        task.Status == TaskStatus.Pending && task.ReadyAt <= now && task.MayBeClaimedBy(agentId);

    /// <summary>
    /// Where a task stands in the claim order, as an ordinal key: priority (higher first), then the time it became ready
    /// (older first) — the ready row's key. A task whose lease lapsed ranks as if it came back to the queue at its lease's
    /// expiry, as the sweep would have put it back; so every claim, stolen or not, keeps priority then age.
    /// </summary>
    public static string QueueRank(TaskRow task) =>
        TaskRows.ReadyKey(task.Status == TaskStatus.Claimed && task.LeaseExpiresAt is { } expiry ? task with { ReadyAt = expiry } : task);

    /// <summary>True when <paramref name="agentId"/> may take over the task's expired lease at <paramref name="now"/>.</summary>
    public static bool CanSteal(TaskRow task, string? agentId, DateTimeOffset now) =>
        task.Status == TaskStatus.Claimed && !task.IsLeased(now) && AfterLostAttempt(task) == TaskStatus.Pending && task.MayBeClaimedBy(agentId);

    private static TaskTransition Claim(TaskRow ready, ClaimTask command, DateTimeOffset now)
    {
        if (!IsClaimable(ready, command.AgentId, now))
        {
            throw InvalidTransition(ready, "a claim");
        }
        var claimed = Leased(ready, command.AgentId, command.LeaseId, command.Lease, now);
        return new TaskTransition(ready, claimed, TaskWrite.ClaimFromReady, [Claimed(claimed, command.Actor)]);
    }

    private static TaskTransition Steal(TaskRow task, StealTask command, DateTimeOffset now)
    {
        if (!CanSteal(task, command.AgentId, now))
        {
            throw InvalidTransition(task, "a takeover (only an expired lease with attempts left, by an agent the task is not assigned away from)");
        }
        var claimed = Leased(task, command.AgentId, command.LeaseId, command.Lease, now);
        PendingEvent expired = PendingEvent.Of("task.expired", task.TaskId,
            new { taskId = task.TaskId, owner = task.Owner, attempt = task.Attempts, next = "claimed" }, PendingEvent.SystemActor);
        return new TaskTransition(task, claimed, TaskWrite.Replace, [expired, Claimed(claimed, command.Actor)]);
    }

    private static TaskTransition Renew(TaskRow task, RenewLease command, DateTimeOffset now)
    {
        EnsureHolder(task, command.Holder with { Force = false }, now);
        var expiresAt = now + (command.Lease ?? TimeSpan.FromSeconds(task.LeaseSeconds ?? 300));
        var renewed = task with { LeaseExpiresAt = expiresAt, UpdatedAt = now };
        return new TaskTransition(task, renewed, TaskWrite.Replace,
            [PendingEvent.Of("task.renewed", task.TaskId, new { taskId = task.TaskId, leaseExpiresAt = expiresAt }, command.Actor)]);
    }

    private static TaskTransition Release(TaskRow task, ReleaseTask command, DateTimeOffset now)
    {
        EnsureHolder(task, command.Holder, now);
        return EndLease(task, TaskStatus.Pending, now, "task.released", new { taskId = task.TaskId, owner = task.Owner, reason = command.Reason }, command.Actor);
    }

    private static TaskTransition Complete(TaskRow task, CompleteTask command, DateTimeOffset now)
    {
        if (task.Status == TaskStatus.Completed && command.Holder.LeaseId is { } leaseId && task.LeaseId == leaseId)
        {
            return TaskTransition.Unchanged(task);   // a repeated complete of the same lease
        }
        EnsureHolder(task, command.Holder, now);
        var done = task with { Status = TaskStatus.Completed, Result = command.Result, CompletedAt = now, UpdatedAt = now };
        return new TaskTransition(task, done, TaskWrite.Replace,
            [PendingEvent.Of("task.completed", task.TaskId, new { taskId = task.TaskId, owner = task.Owner, attempt = task.Attempts }, command.Actor)]);
    }

    private static TaskTransition Fail(TaskRow task, FailTask command, DateTimeOffset now)
    {
        EnsureHolder(task, command.Holder, now);
        var next = command.Retryable ? AfterLostAttempt(task) : TaskStatus.Failed;
        var data = new { taskId = task.TaskId, owner = task.Owner, attempt = task.Attempts, error = command.Error, retryable = command.Retryable, next = TaskRows.StatusText(next) };
        return EndLease(task with { LastError = command.Error }, next, now, "task.failed", data, command.Actor) with { Before = task };
    }

    private static TaskTransition Expire(TaskRow task, DateTimeOffset now)
    {
        if (task.Status != TaskStatus.Claimed || task.IsLeased(now))
        {
            return TaskTransition.Unchanged(task);   // renewed, ended or taken over since the sweep looked
        }
        var next = AfterLostAttempt(task);
        return EndLease(task, next, now, "task.expired",
            new { taskId = task.TaskId, owner = task.Owner, attempt = task.Attempts, next = TaskRows.StatusText(next) }, PendingEvent.SystemActor);
    }

    private static TaskTransition Recover(TaskRow task, RecoverTask command, DateTimeOffset now) =>
        task.Status == TaskStatus.Claimed ? GiveBack(task, "recovered", now, command.Actor) : TaskTransition.Unchanged(task);

    private static TaskTransition Reassign(TaskRow task, ReassignTask command, DateTimeOffset now)
    {
        var reassigned = PendingEvent.Of("task.reassigned", task.TaskId, new { taskId = task.TaskId, assignedTo = command.AssignedTo }, command.Actor);
        if (task.Status == TaskStatus.Claimed && task.Owner != command.AssignedTo)
        {
            if (!command.Force)
            {
                throw InvalidTransition(task, $"reassignment while {task.Owner} holds it (use force=true)");
            }
            // One transaction: ending the lease and assigning apart would leave the task claimable by anyone in between.
            var given = GiveBack(task with { AssignedTo = command.AssignedTo }, "reassigned", now, command.Actor);
            return given with { Before = task, Events = [.. given.Events, reassigned] };
        }
        return Changed(task, task with { AssignedTo = command.AssignedTo, UpdatedAt = now }, reassigned);
    }

    private static TaskTransition Depart(TaskRow task, DepartFromTask command, DateTimeOffset now)
    {
        var assigned = task.AssignedTo == command.AgentId && task.Status is TaskStatus.Pending or TaskStatus.Blocked or TaskStatus.Claimed;
        var unassigned = PendingEvent.Of("task.reassigned", task.TaskId, new { taskId = task.TaskId, assignedTo = (string?)null }, command.Actor);
        if (task.Status == TaskStatus.Claimed && task.Owner == command.AgentId)
        {
            var given = GiveBack(assigned ? task with { AssignedTo = null } : task, "member_left", now, command.Actor);
            return given with { Before = task, Events = assigned ? [.. given.Events, unassigned] : given.Events };
        }
        return assigned ? Changed(task, task with { AssignedTo = null, UpdatedAt = now }, unassigned) : TaskTransition.Unchanged(task);
    }

    /// <summary>Ends a lease whatever its state (recovery, reassignment, departure): pending, or dead-lettered when out of attempts.</summary>
    private static TaskTransition GiveBack(TaskRow task, string reason, DateTimeOffset now, string actor) =>
        EndLease(task, AfterLostAttempt(task), now, "task.released", new { taskId = task.TaskId, owner = task.Owner, reason }, actor);

    /// <summary>
    /// The end of a lease: no owner, the next status, its event, and <c>task.dead_lettered</c> when it ran out of attempts.
    /// Back to pending, it is claimable at once (a lease that ended is not delayed by the task's original notBefore).
    /// </summary>
    private static TaskTransition EndLease<T>(TaskRow task, TaskStatus next, DateTimeOffset now, string type, T data, string actor)
    {
        var ended = task with { Status = next, Owner = null, UpdatedAt = now, ReadyAt = next == TaskStatus.Pending ? now : task.ReadyAt };
        List<PendingEvent> events = [PendingEvent.Of(type, task.TaskId, data, actor)];
        if (next == TaskStatus.DeadLettered)
        {
            events.Add(PendingEvent.Of("task.dead_lettered", task.TaskId, new { taskId = task.TaskId, attempts = task.Attempts }, actor));
        }
        return new TaskTransition(task, ended, TaskWrite.Replace, events);
    }

    /// <summary>The task under a new lease for <paramref name="agentId"/>: the next fencing token, one more attempt.</summary>
    private static TaskRow Leased(TaskRow task, string agentId, string leaseId, TimeSpan lease, DateTimeOffset now) => task with
    {
        Status = TaskStatus.Claimed, Owner = agentId, LeaseId = leaseId, FencingToken = task.FencingToken + 1, Attempts = task.Attempts + 1,
        LeaseExpiresAt = now + lease, LeaseSeconds = (int)lease.TotalSeconds, ClaimedAt = now, UpdatedAt = now,
    };

    private static PendingEvent Claimed(TaskRow claimed, string actor) => PendingEvent.Of("task.claimed", claimed.TaskId, new
    {
        taskId = claimed.TaskId, owner = claimed.Owner, leaseId = claimed.LeaseId, fencingToken = claimed.FencingToken,
        attempt = claimed.Attempts, leaseExpiresAt = claimed.LeaseExpiresAt,
    }, actor);

    /// <summary>The lease check of renew, release, complete and fail: a live lease, presented right, by its owner (or forced).</summary>
    private static void EnsureHolder(TaskRow task, LeaseHolder holder, DateTimeOffset now)
    {
        if (holder.Force)
        {
            if (!holder.IsCoordinator)
            {
                throw new ProblemException(ProblemCatalog.ForbiddenRole, "Only a coordinator may use force.");
            }
            if (task.Status != TaskStatus.Claimed)
            {
                throw LeaseLost(task, $"it is {TaskRows.StatusText(task.Status)}, not claimed");
            }
            return;
        }
        if (holder.LeaseId is null && holder.FencingToken is null)
        {
            throw Validation.Invalid("leaseId", "is required (or fencingToken): it proves you hold the lease.");
        }
        var live = task.IsLeased(now);
        if (!live || (holder.LeaseId is not null && holder.LeaseId != task.LeaseId) || (holder.FencingToken is not null && holder.FencingToken != task.FencingToken))
        {
            throw LeaseLost(task, live ? "another lease holds it now"
                : $"it is {TaskRows.StatusText(task.Status)}{(task.Status == TaskStatus.Claimed ? " with an expired lease" : string.Empty)}");
        }
        if (task.Owner != holder.AgentId)
        {
            throw new ProblemException(ProblemCatalog.NotHolder, "This lease belongs to another agent; a coordinator may act with force=true.",
                new Dictionary<string, object?> { ["owner"] = task.Owner });
        }
    }

    private static TaskTransition Changed(TaskRow before, TaskRow after, params PendingEvent[] events) => new(before, after, TaskWrite.Replace, events);

    private static ProblemException LeaseLost(TaskRow task, string why) =>
        new(ProblemCatalog.LeaseLost, $"The lease on task '{task.TaskId}' is no longer held: {why}.");

    private static ProblemException InvalidTransition(TaskRow task, string what) =>
        new(ProblemCatalog.InvalidTransition, $"Task '{task.TaskId}' is {TaskRows.StatusText(task.Status)}: {what} is not allowed.",
            new Dictionary<string, object?> { ["taskStatus"] = TaskRows.StatusText(task.Status) });
}
