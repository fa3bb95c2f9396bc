using Coordination.Core.Problems;
using Coordination.Core.Tasks;
using Microsoft.Extensions.Time.Testing;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.UnitTests.Core;

/// <summary>
/// Every task state against every command, decided by <see cref="LeaseRules"/> alone: no storage, time from a fake clock.
/// The matrix names the outcome of each pair: the next status, "unchanged", "deleted", or the problem code of a refusal.
/// </summary>
public sealed class LeaseRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly string[] States = ["pending", "blocked", "claimed", "claimed-expired", "completed", "failed", "dead_lettered", "cancelled"];

    private static readonly string[] Commands =
    [
        "claim", "steal", "renew", "release", "complete", "fail", "fail-final", "expire", "recover", "reassign",
        "reassign-force", "depart", "cancel", "uncancel", "requeue", "delete", "delete-force", "unblock",
    ];

    // One row per state, one column per command (in the order of Commands).
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        ["pending"] =         ["claimed", "invalid_transition", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "unchanged", "unchanged", "pending",
                               "pending", "unchanged", "cancelled", "pending", "invalid_transition", "deleted", "deleted", "unchanged"],
        ["blocked"] =         ["invalid_transition", "invalid_transition", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "unchanged", "unchanged", "blocked",
                               "blocked", "unchanged", "cancelled", "invalid_transition", "invalid_transition", "deleted", "deleted", "pending"],
        ["claimed"] =         ["invalid_transition", "invalid_transition", "claimed", "pending", "completed", "pending", "failed", "unchanged", "pending", "invalid_transition",
                               "pending", "pending", "invalid_transition", "invalid_transition", "invalid_transition", "invalid_transition", "deleted", "unchanged"],
        ["claimed-expired"] = ["invalid_transition", "claimed", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "pending", "pending", "invalid_transition",
                               "pending", "pending", "invalid_transition", "invalid_transition", "invalid_transition", "invalid_transition", "deleted", "unchanged"],
        ["completed"] =       ["invalid_transition", "invalid_transition", "lease_lost", "lease_lost", "unchanged", "lease_lost", "lease_lost", "unchanged", "unchanged", "completed",
                               "completed", "unchanged", "invalid_transition", "invalid_transition", "invalid_transition", "deleted", "deleted", "unchanged"],
        ["failed"] =          ["invalid_transition", "invalid_transition", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "unchanged", "unchanged", "failed",
                               "failed", "unchanged", "invalid_transition", "invalid_transition", "pending", "deleted", "deleted", "unchanged"],
        ["dead_lettered"] =   ["invalid_transition", "invalid_transition", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "unchanged", "unchanged", "dead_lettered",
                               "dead_lettered", "unchanged", "invalid_transition", "invalid_transition", "pending", "deleted", "deleted", "unchanged"],
        ["cancelled"] =       ["invalid_transition", "invalid_transition", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "lease_lost", "unchanged", "unchanged", "cancelled",
                               "cancelled", "unchanged", "cancelled", "pending", "invalid_transition", "deleted", "deleted", "unchanged"],
    };

    public static TheoryData<string, string> Pairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (var state in States)
        {
            foreach (var command in Commands)
            {
                pairs.Add(state, command);
            }
        }
        return pairs;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Every_state_and_command_has_the_outcome_of_the_matrix(string state, string command)
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState(state, clock);
        clock.Advance(TimeSpan.FromSeconds(10));

        var outcome = Outcome(() => LeaseRules.Decide(task, CommandFor(command), clock.GetUtcNow()));

        Assert.Equal(Expected[state][Array.IndexOf(Commands, command)], outcome);
    }

    [Fact]
    public void The_matrix_covers_every_status_the_service_knows()
    {
        var covered = States.Select(s => InState(s, new FakeTimeProvider(Start)).Status).Distinct().Order();

        Assert.Equal(Enum.GetValues<TaskStatus>().Order(), covered);
        Assert.All(Expected.Values, row => Assert.Equal(Commands.Length, row.Length));
    }

    [Fact]
    public void A_claim_takes_the_next_fencing_token_and_attempt_and_leases_from_now()
    {
        var clock = new FakeTimeProvider(Start);
        var ready = InState("pending", clock) with { FencingToken = 4, Attempts = 1 };

        var claim = LeaseRules.Decide(ready, new ClaimTask("b", "lease_new", TimeSpan.FromSeconds(30), "b"), clock.GetUtcNow());

        Assert.Equal(TaskWrite.ClaimFromReady, claim.Write);
        Assert.Equal(("b", "lease_new", 5L, 2, Start.AddSeconds(30), 30), (claim.After!.Owner, claim.After.LeaseId, claim.After.FencingToken, claim.After.Attempts, claim.After.LeaseExpiresAt, claim.After.LeaseSeconds));
        Assert.Equal(["task.claimed"], claim.Events.Select(e => e.Type));
    }

    [Fact]
    public void A_task_assigned_to_another_agent_or_not_ready_yet_cannot_be_claimed()
    {
        var clock = new FakeTimeProvider(Start);
        var ready = InState("pending", clock);

        Assert.False(LeaseRules.IsClaimable(ready with { AssignedTo = "c" }, "b", clock.GetUtcNow()));
        Assert.True(LeaseRules.IsClaimable(ready with { AssignedTo = "b" }, "b", clock.GetUtcNow()));
        Assert.False(LeaseRules.IsClaimable(ready with { ReadyAt = Start.AddTicks(1) }, "b", clock.GetUtcNow()));
        Assert.Equal("invalid_transition", Outcome(() => LeaseRules.Decide(ready with { AssignedTo = "c" }, Claim("b"), clock.GetUtcNow())));
    }

    [Theory]
    [InlineData("fail")]
    [InlineData("expire")]
    [InlineData("recover")]
    [InlineData("depart")]
    public void A_lease_that_ends_without_success_on_the_last_attempt_dead_letters_the_task(string command)
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState(command == "expire" ? "claimed-expired" : "claimed", clock) with { Attempts = 3, MaxAttempts = 3 };
        clock.Advance(TimeSpan.FromSeconds(10));

        var ended = LeaseRules.Decide(task, CommandFor(command), clock.GetUtcNow());

        Assert.Equal(TaskStatus.DeadLettered, ended.After!.Status);
        Assert.Equal("task.dead_lettered", ended.Events[^1].Type);
        Assert.Null(ended.After.Owner);
    }

    [Fact]
    public void An_expired_lease_out_of_attempts_cannot_be_taken_over()
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState("claimed-expired", clock) with { Attempts = 3, MaxAttempts = 3 };

        Assert.False(LeaseRules.CanSteal(task, "b", clock.GetUtcNow()));
        Assert.Equal("invalid_transition", Outcome(() => LeaseRules.Decide(task, CommandFor("steal"), clock.GetUtcNow())));
    }

    [Fact]
    public void A_takeover_logs_the_expiry_before_the_new_claim_and_bumps_the_fencing_token()
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState("claimed-expired", clock);

        var steal = LeaseRules.Decide(task, CommandFor("steal"), clock.GetUtcNow());

        Assert.Equal(["task.expired", "task.claimed"], steal.Events.Select(e => e.Type));
        Assert.Equal(("b", task.FencingToken + 1, task.Attempts + 1), (steal.After!.Owner, steal.After.FencingToken, steal.After.Attempts));
    }

    [Theory]
    [InlineData("lease_other", null, "lease_lost")]
    [InlineData(null, 99L, "lease_lost")]
    [InlineData(null, null, "validation_failed")]
    public void Acting_with_a_lease_that_is_not_the_current_one_is_refused(string? leaseId, long? token, string code)
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState("claimed", clock);

        var holder = new LeaseHolder("a", false, leaseId, token);

        Assert.Equal(code, Outcome(() => LeaseRules.Decide(task, new CompleteTask(holder, null, "a"), clock.GetUtcNow())));
    }

    [Fact]
    public void Another_agent_with_the_right_lease_is_not_the_holder_and_force_needs_a_coordinator()
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState("claimed", clock);

        Assert.Equal("not_holder", Outcome(() => LeaseRules.Decide(task, new CompleteTask(new LeaseHolder("b", false, "lease_1", 1), null, "b"), clock.GetUtcNow())));
        Assert.Equal("forbidden_role", Outcome(() => LeaseRules.Decide(task, new CompleteTask(new LeaseHolder("b", false, null, null, Force: true), null, "b"), clock.GetUtcNow())));
        Assert.Equal("completed", Outcome(() => LeaseRules.Decide(task, new CompleteTask(new LeaseHolder("boss", true, null, null, Force: true), null, "boss"), clock.GetUtcNow())));
    }

    [Fact]
    public void A_renew_without_a_new_ttl_extends_by_the_ttl_the_task_was_claimed_with()
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState("claimed", clock) with { LeaseSeconds = 45 };
        clock.Advance(TimeSpan.FromSeconds(20));

        var renewed = LeaseRules.Decide(task, new RenewLease(Holder(), null, "a"), clock.GetUtcNow());

        Assert.Equal(clock.GetUtcNow().AddSeconds(45), renewed.After!.LeaseExpiresAt);
    }

    [Fact]
    public void A_departure_of_the_holder_that_is_also_the_assignee_gives_back_the_lease_and_the_assignment_at_once()
    {
        var clock = new FakeTimeProvider(Start);
        var task = InState("claimed", clock) with { AssignedTo = "a" };

        var departure = LeaseRules.Decide(task, new DepartFromTask("a", "boss"), clock.GetUtcNow());

        Assert.Equal((TaskStatus.Pending, (string?)null, (string?)null), (departure.After!.Status, departure.After.Owner, departure.After.AssignedTo));
        Assert.Equal(["task.released", "task.reassigned"], departure.Events.Select(e => e.Type));
    }

    [Fact]
    public void A_departure_clears_the_assignment_of_a_task_it_does_not_hold()
    {
        var clock = new FakeTimeProvider(Start);

        var departure = LeaseRules.Decide(InState("blocked", clock) with { AssignedTo = "a" }, new DepartFromTask("a", "a"), clock.GetUtcNow());

        Assert.Equal((TaskStatus.Blocked, (string?)null), (departure.After!.Status, departure.After.AssignedTo));
        Assert.Equal(["task.reassigned"], departure.Events.Select(e => e.Type));
    }

    [Fact]
    public void A_forced_reassignment_ends_the_lease_and_assigns_in_one_transition()
    {
        var clock = new FakeTimeProvider(Start);

        var reassigned = LeaseRules.Decide(InState("claimed", clock), new ReassignTask("b", true, "boss"), clock.GetUtcNow());

        Assert.Equal((TaskStatus.Pending, "b"), (reassigned.After!.Status, reassigned.After.AssignedTo));
        Assert.Equal(["task.released", "task.reassigned"], reassigned.Events.Select(e => e.Type));
    }

    [Fact]
    public void A_blocked_task_counts_down_and_becomes_claimable_from_its_not_before_at_zero()
    {
        var clock = new FakeTimeProvider(Start);
        var blocked = InState("blocked", clock) with { Remaining = 2, NotBefore = Start.AddMinutes(5) };

        var first = LeaseRules.Decide(blocked, new UnblockTask("task_dep1", "a"), clock.GetUtcNow());
        var second = LeaseRules.Decide(first.After!, new UnblockTask("task_dep2", "a"), clock.GetUtcNow());

        Assert.Equal((TaskStatus.Blocked, 1), (first.After!.Status, first.After.Remaining));
        Assert.Empty(first.Events);
        Assert.Equal((TaskStatus.Pending, 0, Start.AddMinutes(5)), (second.After!.Status, second.After.Remaining, second.After.ReadyAt));
        Assert.Equal(["task.unblocked"], second.Events.Select(e => e.Type));
    }

    [Fact]
    public void A_task_cancelled_while_blocked_still_counts_down_so_un_cancelling_knows_whether_it_is_blocked()
    {
        var clock = new FakeTimeProvider(Start);
        var cancelled = InState("cancelled", clock) with { Remaining = 1 };

        var counted = LeaseRules.Decide(cancelled, new UnblockTask("task_dep1", "a"), clock.GetUtcNow());
        var stillBlocked = LeaseRules.Decide(cancelled, new EditTask(null, null, null, TaskStatus.Pending, "boss"), clock.GetUtcNow());
        var ready = LeaseRules.Decide(counted.After!, new EditTask(null, null, null, TaskStatus.Pending, "boss"), clock.GetUtcNow());

        Assert.Equal((TaskStatus.Cancelled, 0), (counted.After!.Status, counted.After.Remaining));
        Assert.Equal(TaskStatus.Blocked, stillBlocked.After!.Status);
        Assert.Equal(TaskStatus.Pending, ready.After!.Status);
    }

    [Fact]
    public void A_repeated_complete_of_the_same_lease_changes_nothing()
    {
        var clock = new FakeTimeProvider(Start);

        var repeat = LeaseRules.Decide(InState("completed", clock), new CompleteTask(Holder(), "{}", "a"), clock.GetUtcNow());

        Assert.False(repeat.Changes);
        Assert.Empty(repeat.Events);
    }

    private static TaskRow InState(string state, FakeTimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var task = new TaskRow
        {
            SwarmId = "swarm_x", TaskId = "task_1", Type = "build", Title = "t", Priority = 5, Status = TaskStatus.Pending, Remaining = 0,
            Attempts = 1, MaxAttempts = 3, FencingToken = 1, ReadyAt = now, Dependencies = [], CreatedAt = now, UpdatedAt = now, CreatedBy = "boss",
            LeaseId = "lease_1", LeaseSeconds = 60, ClaimedAt = now, LeaseExpiresAt = now.AddSeconds(60),
        };
        return state switch
        {
            "pending" => task,
            "blocked" => task with { Status = TaskStatus.Blocked, Remaining = 1 },
            "claimed" => task with { Status = TaskStatus.Claimed, Owner = "a" },
            "claimed-expired" => task with { Status = TaskStatus.Claimed, Owner = "a", LeaseExpiresAt = now.AddSeconds(-1) },
            "completed" => task with { Status = TaskStatus.Completed, Owner = "a" },
            "failed" => task with { Status = TaskStatus.Failed },
            "dead_lettered" => task with { Status = TaskStatus.DeadLettered, Attempts = 3 },
            "cancelled" => task with { Status = TaskStatus.Cancelled },
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
        };
    }

    private static TaskCommand CommandFor(string command) => command switch
    {
        "claim" => Claim("b"),
        "steal" => new StealTask("b", "lease_new", TimeSpan.FromSeconds(30), "b"),
        "renew" => new RenewLease(Holder(), TimeSpan.FromSeconds(30), "a"),
        "release" => new ReleaseTask(Holder(), "stuck", "a"),
        "complete" => new CompleteTask(Holder(), "{\"ok\":true}", "a"),
        "fail" => new FailTask(Holder(), "boom", true, "a"),
        "fail-final" => new FailTask(Holder(), "boom", false, "a"),
        "expire" => new ExpireLease(),
        "recover" => new RecoverTask("boss"),
        "reassign" => new ReassignTask("b", false, "boss"),
        "reassign-force" => new ReassignTask("b", true, "boss"),
        "depart" => new DepartFromTask("a", "boss"),
        "cancel" => new EditTask(null, null, null, TaskStatus.Cancelled, "boss"),
        "uncancel" => new EditTask(null, null, null, TaskStatus.Pending, "boss"),
        "requeue" => new RequeueTask("boss"),
        "delete" => new DeleteTask(false, true, "boss"),
        "delete-force" => new DeleteTask(true, true, "boss"),
        "unblock" => new UnblockTask("task_dep", "a"),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, null),
    };

    private static ClaimTask Claim(string agentId) => new(agentId, "lease_new", TimeSpan.FromSeconds(30), agentId);

    private static LeaseHolder Holder() => new("a", false, "lease_1", 1);

    /// <summary>The next status, "unchanged", "deleted", or the code of the problem that refused the command.</summary>
    private static string Outcome(Func<TaskTransition> decide)
    {
        try
        {
            var transition = decide();
            return !transition.Changes ? "unchanged" : transition.After is null ? "deleted" : Text(transition.After.Status);
        }
        catch (ProblemException refused)
        {
            return refused.Type.Code;
        }
    }

    private static string Text(TaskStatus status) => TaskRows.StatusText(status);
}
