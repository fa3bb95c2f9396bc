using Coordination.Core.Tasks;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.UnitTests.Core;

/// <summary>
/// <see cref="LeaseRules.QueueRank"/>: the one claim order, priority then age, for ready tasks and lapsed leases alike
/// (issue 12: a lapsed priority-8 task came back after ready tasks of priority 6, 4, 2 and 0).
/// </summary>
public sealed class QueueRankTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_lapsed_lease_of_higher_priority_ranks_before_every_ready_task_of_lower_priority()
    {
        var lapsed = Lapsed("task_8", priority: 8, expiredAt: Start.AddMinutes(5));
        var ready = new[] { 6, 4, 2, 0 }.Select(p => Ready($"task_{p}", p, Start.AddMinutes(4))).ToList();
        var ranked = ready.Append(lapsed).OrderBy(LeaseRules.QueueRank, StringComparer.Ordinal).Select(t => t.Priority);
        Assert.Equal([8, 6, 4, 2, 0], ranked);
    }

    [Fact]
    public void At_equal_priority_a_lapsed_lease_ranks_by_its_expiry_as_if_it_had_come_back_then()
    {
        var early = Ready("task_a", 5, Start.AddMinutes(1));
        var lapsed = Lapsed("task_b", 5, expiredAt: Start.AddMinutes(2));
        var late = Ready("task_c", 5, Start.AddMinutes(3));
        Assert.Equal(["task_a", "task_b", "task_c"], new[] { late, lapsed, early }.OrderBy(LeaseRules.QueueRank, StringComparer.Ordinal).Select(t => t.TaskId));
    }

    [Fact]
    public void A_ready_task_ranks_by_its_ready_row_key()
    {
        var task = Ready("task_r", 3, Start);
        Assert.Equal(TaskRows.ReadyKey(task), LeaseRules.QueueRank(task));
    }

    private static TaskRow Ready(string taskId, int priority, DateTimeOffset readyAt) => new()
    {
        SwarmId = "swarm_x", TaskId = taskId, Type = "build", Title = "t", Priority = priority, Status = TaskStatus.Pending, Remaining = 0,
        Attempts = 0, MaxAttempts = 3, FencingToken = 0, ReadyAt = readyAt, Dependencies = [], CreatedAt = Start, UpdatedAt = readyAt, CreatedBy = "boss",
    };

    /// <summary>Claimed at the start (so its ready time is the oldest of all), its lease lapsed at <paramref name="expiredAt"/>.</summary>
    private static TaskRow Lapsed(string taskId, int priority, DateTimeOffset expiredAt) => Ready(taskId, priority, Start) with
    {
        Status = TaskStatus.Claimed, Owner = "a", Attempts = 1, FencingToken = 1, LeaseId = "lease_1", LeaseSeconds = 60,
        ClaimedAt = Start, LeaseExpiresAt = expiredAt,
    };
}
