using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Identity;
using Coordination.Core.Problems;

namespace Coordination.Core.Tasks;

/// <summary>
/// Leasing: claim (one query and one transaction when uncontended), renew, release, complete, fail and expiry, each decided
/// by <see cref="LeaseRules"/> and committed by <see cref="TaskStore"/>. Every lease carries a fencing token that increases
/// with each lease of the task, so a holder whose lease was lost is refused even if it still has the lease id.
/// </summary>
public sealed class TaskLeases(TaskStore store, ClaimCandidates candidates, KeyedSignal signal, CoordinationSettings settings, TimeProvider clock)
{
    /// <summary>How many ready rows past the requested count a contended claim spreads over.</summary>
    private const int Spread = 8;

    private const int MaxClaimRounds = 10;

    /// <summary>Pages a claim looks through for candidates (ready rows not yet due or assigned elsewhere fill pages too).</summary>
    private const int MaxCandidatePages = 5;

    /// <summary>Claims up to <see cref="ClaimTasksRequest.Count"/> tasks, waiting up to <see cref="ClaimTasksRequest.Wait"/> seconds for one.</summary>
    public async Task<ClaimedTasks> ClaimAsync(string swarmId, Caller caller, ClaimTasksRequest request, CancellationToken cancellationToken)
    {
        var types = (request.Types ?? []).Select(t => TaskInput.Type(t, "types")).Distinct().ToList();
        if (types.Count > 10)
        {
            throw Validation.Invalid("types", "lists more than 10 types.");
        }
        var count = Validation.InRange(request.Count, "count", 1, 10);
        var lease = TimeSpan.FromSeconds(Validation.InRange(request.LeaseSeconds, "leaseSeconds", 5, 3600));
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(Validation.InRange(request.Wait, "wait", 0, 60));
        var claim = new ClaimRequest(swarmId, caller, types, count, lease);
        while (true)
        {
            // Taken before looking, so an enqueue between the look and the wait still wakes this claimer.
            var wake = types.Count == 0 ? signal.Next(TaskStore.ReadySignal(swarmId)) : Task.WhenAny(types.Select(t => signal.Next(TaskStore.ReadySignal(swarmId, t))));
            var claimed = await TryClaimAsync(claim, cancellationToken).ConfigureAwait(false);
            var remaining = deadline - clock.GetUtcNow();
            if (claimed.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return new ClaimedTasks(claimed);
            }
            await KeyedSignal.WaitAsync(wake, remaining < settings.EventPollInterval ? remaining : settings.EventPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Completes the task with a result; dependents whose last dependency this was become claimable in the same transaction.</summary>
    public Task<TaskView> CompleteAsync(string swarmId, Caller caller, string taskId, CompleteTaskRequest request, CancellationToken cancellationToken)
    {
        var result = Validation.Payload(request.Result, "result", TaskInput.ResultLimit);
        return AsHolderAsync(swarmId, taskId, new CompleteTask(Holder(caller, request.LeaseId, request.FencingToken, request.Force), result, caller.Actor), cancellationToken);
    }

    /// <summary>Fails the attempt: back to pending while attempts remain (retryable), else dead-lettered; non-retryable is failed for good.</summary>
    public Task<TaskView> FailAsync(string swarmId, Caller caller, string taskId, FailTaskRequest request, CancellationToken cancellationToken)
    {
        var error = Validation.OptionalText(request.Error, "error", 4000) ?? "failed";
        return AsHolderAsync(swarmId, taskId, new FailTask(Holder(caller, request.LeaseId, request.FencingToken, request.Force), error, request.Retryable, caller.Actor), cancellationToken);
    }

    /// <summary>Gives the task back to the queue (the attempt still counts).</summary>
    public Task<TaskView> ReleaseAsync(string swarmId, Caller caller, string taskId, ReleaseTaskRequest request, CancellationToken cancellationToken)
    {
        var reason = Validation.OptionalText(request.Reason, "reason", 1000);
        return AsHolderAsync(swarmId, taskId, new ReleaseTask(Holder(caller, request.LeaseId, request.FencingToken, request.Force), reason, caller.Actor), cancellationToken);
    }

    /// <summary>Extends the lease from now.</summary>
    public Task<TaskView> RenewAsync(string swarmId, Caller caller, string taskId, RenewTaskRequest request, CancellationToken cancellationToken)
    {
        TimeSpan? lease = request.LeaseSeconds is { } seconds ? TimeSpan.FromSeconds(Validation.InRange(seconds, "leaseSeconds", 5, 3600)) : null;
        return AsHolderAsync(swarmId, taskId, new RenewLease(Holder(caller, request.LeaseId, request.FencingToken, force: false), lease, caller.Actor), cancellationToken);
    }

    /// <summary>Ends expired leases of one swarm (at most <paramref name="max"/>): back to pending, or dead-lettered when out of attempts.</summary>
    public async Task<int> ExpireAsync(string swarmId, int max, CancellationToken cancellationToken)
    {
        var expired = 0;
        await foreach (var lease in store.QueryLeasesAsync(TaskRows.ExpiredLeasesFilter(swarmId, clock.GetUtcNow()), max, cancellationToken).ConfigureAwait(false))
        {
            if (await TryExpireAsync(lease, cancellationToken).ConfigureAwait(false))
            {
                expired++;
            }
        }
        return expired;
    }

    private sealed record ClaimRequest(string SwarmId, Caller Caller, IReadOnlyList<string> Types, int Count, TimeSpan Lease);

    /// <summary>
    /// A holder's operation: read the task, decide, commit under the task row's ETag. The ETag also changes for writes that
    /// leave the lease alone — a coordinator's edit, a dependent registering itself, a reassignment to the holder — so a
    /// commit that lost such a race is decided again on a fresh read rather than answered with a lease_lost the holder
    /// would act on (dropping its result). When the lease really was lost, the fresh read says so.
    /// </summary>
    private Task<TaskView> AsHolderAsync(string swarmId, string taskId, TaskCommand command, CancellationToken cancellationToken) =>
        OptimisticRetry.RunAsync(async ct =>
        {
            var task = await store.ReadAsync(swarmId, taskId, ct).ConfigureAwait(false);
            var now = clock.GetUtcNow();
            var transition = LeaseRules.Decide(task, command, now);
            List<TaskTransition> transitions = [transition];
            if (command is CompleteTask && transition.Changes)
            {
                transitions.AddRange(await UnblockedAsync(task, command.Actor, now, ct).ConfigureAwait(false));
            }
            return await store.CommitAsync(swarmId, transitions, ct).ConfigureAwait(false) switch
            {
                TaskCommit.Committed => (transition.After ?? task).ToView(),
                TaskCommit.LostRace => null,
                _ => throw new ProblemException(ProblemCatalog.LeaseLost, $"The lease on task '{taskId}' is no longer held: its rows changed while acting on it."),
            };
        }, $"task '{taskId}'", cancellationToken);

    /// <summary>The dependents of a task being completed, each counted down (and made claimable at zero) in the completion's transaction.</summary>
    private async Task<IEnumerable<TaskTransition>> UnblockedAsync(TaskRow completed, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var dependents = await store.FindAllAsync(completed.SwarmId, completed.Dependents, cancellationToken).ConfigureAwait(false);
        return dependents.OfType<TaskRow>().Select(d => LeaseRules.Decide(d, new UnblockTask(completed.TaskId, actor), now));
    }

    private async Task<IReadOnlyList<TaskView>> TryClaimAsync(ClaimRequest request, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxClaimRounds; round++)
        {
            var pooled = await FromPoolAsync(request, cancellationToken).ConfigureAwait(false);
            var now = clock.GetUtcNow();   // after the pool: every row it gave was due by then
            List<TaskRow> ready;
            if (pooled is not null)
            {
                ready = pooled;
            }
            else
            {
                // The store compares times at its own precision (Azurite: milliseconds), so a row that becomes ready within the
                // same millisecond can come back a few ticks early: the rule's own check at full precision drops it.
                var found = (await store.QueryAsync(TaskRows.ClaimableFilter(request.SwarmId, request.Caller.AgentId, request.Types, now),
                    request.Count + Spread, cancellationToken, MaxCandidatePages).ConfigureAwait(false))
                    .Where(row => LeaseRules.IsClaimable(row, request.Caller.AgentId, now)).ToList();
                // Uncontended, take the head (strict priority then age); after a lost race, spread over the first few.
                ready = round == 0 ? found : found.OrderBy(_ => Random.Shared.Next()).ToList();
            }
            var transitions = ready.Select(row => LeaseRules.Decide(row, new ClaimTask(request.Caller.AgentId!, Ids.New("lease"), request.Lease, request.Caller.Actor), now)).ToList();
            if (transitions.Count < request.Count)
            {
                // Lapsed leases are looked for only when the ready tasks fall short, so an uncontended claim stays one query and
                // one transaction; those found rank with the ready ones by priority then age (issue 12: a lapsed priority-8
                // task came back after ready tasks of priority 6, 4, 2 and 0).
                transitions.AddRange(await StealsAsync(request, request.Count, now, cancellationToken).ConfigureAwait(false));
                transitions = round == 0 ? [.. transitions.OrderBy(t => LeaseRules.QueueRank(t.Before), StringComparer.Ordinal)] : transitions;
            }
            if (pooled is not null && transitions.Count > request.Count)
            {
                candidates.PutBack(request.SwarmId, request.Types, [.. transitions.Skip(request.Count).Select(t => t.Before).Where(pooled.Contains)]);
            }
            transitions = transitions.Take(request.Count).ToList();
            if (transitions.Count == 0)
            {
                return [];
            }
            if (await store.CommitAsync(request.SwarmId, transitions, cancellationToken).ConfigureAwait(false) == TaskCommit.Committed)
            {
                return transitions.Select(t => t.After!.ToView()).ToList();
            }
            if (pooled is not null)
            {
                // A pooled row went stale (claimed, edited or deleted elsewhere), and the others taken with it left the
                // pool: read it again rather than trust what is left.
                candidates.Forget(request.SwarmId, request.Types);
            }
        }
        return [];
    }

    /// <summary>Ready rows for the claim from this process's pool (<see cref="ClaimCandidates"/>); null when the claim must query.</summary>
    private Task<List<TaskRow>?> FromPoolAsync(ClaimRequest request, CancellationToken cancellationToken) =>
        candidates.TakeAsync(request.SwarmId, request.Types, request.Caller.AgentId, request.Count,
            (readAt, ct) => store.QueryHeadAsync(TaskRows.ClaimPoolFilter(request.SwarmId, request.Types, readAt), ClaimCandidates.PoolSize, ct, MaxCandidatePages),
            cancellationToken);

    /// <summary>
    /// Takeovers of leases that expired before the sweep ended them, for tasks the claimer may take. A task out of attempts
    /// is dead-lettered on the way (that is the sweep's work, done here so it is not offered again).
    /// </summary>
    private async Task<IReadOnlyList<TaskTransition>> StealsAsync(ClaimRequest request, int wanted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!candidates.MayHaveLapsedLeases(request.SwarmId, request.Caller.AgentId, request.Types, now))
        {
            return [];
        }
        var steals = new List<TaskTransition>();
        var lapsed = 0;
        DateTimeOffset? firstLive = null;
        var filter = TaskRows.EligibleLeasesFilter(request.SwarmId, request.Caller.AgentId, request.Types);
        await foreach (var lease in store.QueryLeasesAsync(filter, wanted + 1, cancellationToken).ConfigureAwait(false))
        {
            if (lease.ExpiresAt > now)
            {
                firstLive = lease.ExpiresAt;   // soonest first: every lapsed lease came before it
                break;
            }
            if (++lapsed > wanted)
            {
                break;
            }
            var task = await store.FindAsync(lease.SwarmId, lease.TaskId, cancellationToken).ConfigureAwait(false);
            if (task is null || task.Status != TaskStatus.Claimed || task.LeaseId != lease.LeaseId)
            {
                continue;
            }
            if (LeaseRules.AfterLostAttempt(task) == TaskStatus.DeadLettered)
            {
                await TryExpireAsync(lease, cancellationToken).ConfigureAwait(false);
            }
            else if (LeaseRules.CanSteal(task, request.Caller.AgentId, now))
            {
                // Checked on the task row: the lease row's assignee is a copy from claim time, blind to a reassignment since.
                var steal = new StealTask(request.Caller.AgentId!, Ids.New("lease"), request.Lease, request.Caller.Actor);
                steals.Add(LeaseRules.Decide(task, steal, now) with { LeaseETag = lease.ETag });
            }
        }
        if (lapsed == 0)
        {
            candidates.NoLapsedLeasesUntil(request.SwarmId, request.Caller.AgentId, request.Types, firstLive, now);
        }
        return steals;
    }

    private async Task<bool> TryExpireAsync(LeaseRow lease, CancellationToken cancellationToken)
    {
        var task = await store.FindAsync(lease.SwarmId, lease.TaskId, cancellationToken).ConfigureAwait(false);
        if (task is null || task.Status != TaskStatus.Claimed || task.LeaseId != lease.LeaseId)
        {
            // A leftover of a lease that already ended: remove it so the sweep does not see it again.
            await store.RemoveLeftoverAsync(lease, cancellationToken).ConfigureAwait(false);
            return false;
        }
        var transition = LeaseRules.Decide(task, new ExpireLease(), clock.GetUtcNow()) with { LeaseETag = lease.ETag };
        // A lost race means the lease was renewed, ended or taken over meanwhile; the next sweep decides again.
        return transition.Changes && await store.CommitAsync(lease.SwarmId, [transition], cancellationToken).ConfigureAwait(false) == TaskCommit.Committed;
    }

    private static LeaseHolder Holder(Caller caller, string? leaseId, long? fencingToken, bool force) =>
        new(caller.AgentId, caller.HasRole(Role.Coordinator), leaseId, fencingToken, force);
}
