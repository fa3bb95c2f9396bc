namespace Coordination.Core.Tasks;

/// <summary>
/// What an agent presents to act on a lease: its lease id and/or fencing token, or a coordinator's <paramref name="Force"/>.
/// </summary>
/// <param name="AgentId">The caller.</param>
/// <param name="IsCoordinator">Whether the caller's role is coordinator (force needs it).</param>
/// <param name="LeaseId">The lease id from the claim.</param>
/// <param name="FencingToken">The claim's fencing token; a mismatch is a lost lease.</param>
/// <param name="Force">A coordinator acting on someone else's lease.</param>
public sealed record LeaseHolder(string? AgentId, bool IsCoordinator, string? LeaseId, long? FencingToken, bool Force = false);

/// <summary>A change to one task that <see cref="LeaseRules.Decide"/> turns into a <see cref="TaskTransition"/>.</summary>
/// <param name="Actor">Who the events name.</param>
public abstract record TaskCommand(string Actor);

/// <summary>Lease a ready task (read from its ready row).</summary>
/// <param name="AgentId">The claimer.</param>
/// <param name="LeaseId">The new lease's id (decided by the caller, so the rule stays pure).</param>
/// <param name="Lease">The lease's time to live.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record ClaimTask(string AgentId, string LeaseId, TimeSpan Lease, string Actor) : TaskCommand(Actor);

/// <summary>Take over a task whose lease expired before the sweep ended it (work stealing).</summary>
/// <param name="AgentId">The claimer.</param>
/// <param name="LeaseId">The new lease's id.</param>
/// <param name="Lease">The lease's time to live.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record StealTask(string AgentId, string LeaseId, TimeSpan Lease, string Actor) : TaskCommand(Actor);

/// <summary>Extend the lease from now.</summary>
/// <param name="Holder">The lease presented (force is not allowed).</param>
/// <param name="Lease">The new time to live; null for the one the task was claimed with.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record RenewLease(LeaseHolder Holder, TimeSpan? Lease, string Actor) : TaskCommand(Actor);

/// <summary>Give the task back to the queue; the attempt still counts.</summary>
/// <param name="Holder">The lease presented.</param>
/// <param name="Reason">Why, if said.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record ReleaseTask(LeaseHolder Holder, string? Reason, string Actor) : TaskCommand(Actor);

/// <summary>Complete the task with a result.</summary>
/// <param name="Holder">The lease presented.</param>
/// <param name="Result">The JSON result text, if any.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record CompleteTask(LeaseHolder Holder, string? Result, string Actor) : TaskCommand(Actor);

/// <summary>Fail the attempt: retried while attempts remain (retryable), dead-lettered when none do, failed for good otherwise.</summary>
/// <param name="Holder">The lease presented.</param>
/// <param name="Error">What went wrong.</param>
/// <param name="Retryable">Whether another attempt may succeed.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record FailTask(LeaseHolder Holder, string Error, bool Retryable, string Actor) : TaskCommand(Actor);

/// <summary>End a lease that expired (the sweep): back to pending, or dead-lettered when out of attempts.</summary>
public sealed record ExpireLease() : TaskCommand(Events.PendingEvent.SystemActor);

/// <summary>End a lease whatever its age (a coordinator's recovery of stuck tasks).</summary>
/// <param name="Actor">Who the events name.</param>
public sealed record RecoverTask(string Actor) : TaskCommand(Actor);

/// <summary>Assign the task to an agent, or unassign it (null); a lease held by someone else ends only with <paramref name="Force"/>.</summary>
/// <param name="AssignedTo">The new assignee, or null.</param>
/// <param name="Force">End another agent's lease to do it.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record ReassignTask(string? AssignedTo, bool Force, string Actor) : TaskCommand(Actor);

/// <summary>A member left or was removed: its lease on the task ends and its assignment is cleared.</summary>
/// <param name="AgentId">The departing member.</param>
/// <param name="Actor">Who the events name (whoever removed it).</param>
public sealed record DepartFromTask(string AgentId, string Actor) : TaskCommand(Actor);

/// <summary>A coordinator's edit: title, description, priority, cancel (from pending or blocked) or un-cancel.</summary>
/// <param name="Title">New title (validated).</param>
/// <param name="Description">New description (validated).</param>
/// <param name="Priority">New priority (validated).</param>
/// <param name="Status">Cancelled or pending, if asked.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record EditTask(string? Title, string? Description, int? Priority, TaskStatus? Status, string Actor) : TaskCommand(Actor);

/// <summary>Put a dead-lettered or failed task back to pending with its attempts reset.</summary>
/// <param name="Actor">Who the events name.</param>
public sealed record RequeueTask(string Actor) : TaskCommand(Actor);

/// <summary>Delete the task; a claimed one only by a coordinator with <paramref name="Force"/>.</summary>
/// <param name="Force">Delete a claimed task.</param>
/// <param name="IsCoordinator">Whether the caller's role is coordinator.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record DeleteTask(bool Force, bool IsCoordinator, string Actor) : TaskCommand(Actor);

/// <summary>One of the task's dependencies completed.</summary>
/// <param name="CompletedTaskId">The dependency that completed.</param>
/// <param name="Actor">Who the events name.</param>
public sealed record UnblockTask(string CompletedTaskId, string Actor) : TaskCommand(Actor);
