using System.Net;
using System.Text.Json;
using Coordination.Client;
using Coordination.Core.Tasks;
using Coordination.IntegrationTests.Infrastructure;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>Every task-queue operation of the SDK against the real app.</summary>
public sealed class SdkTaskTests
{
    [Fact]
    public async Task A_task_goes_through_create_claim_renew_fail_requeue_and_complete_with_the_lease_fields()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker-1");

        var created = await worker.Tasks.CreateAsync(new CreateTaskRequest("build", "compile the thing", Payload: Json("""{"target":"x64"}"""), MaxAttempts: 3));
        var claimed = await worker.Tasks.ClaimAsync(new ClaimTasksRequest(["build"], 1, 30));
        var task = Assert.Single(claimed.Items);
        Assert.Equal(created.TaskId, task.TaskId);
        Assert.Equal(TaskStatus.Claimed, task.Status);
        Assert.Equal("x64", task.Payload!.Value.GetProperty("target").GetString());

        var renewed = await worker.Tasks.RenewAsync(task.TaskId, new RenewTaskRequest(task.LeaseId, task.FencingToken, 60));
        Assert.True(renewed.LeaseExpiresAt > task.LeaseExpiresAt);
        var failed = await worker.Tasks.FailAsync(task.TaskId, new FailTaskRequest(task.LeaseId, task.FencingToken, "flaky", Retryable: false));
        Assert.Equal(TaskStatus.Failed, failed.Status);
        Assert.Equal("flaky", failed.LastError);

        var requeued = await worker.Tasks.RequeueAsync(task.TaskId);
        Assert.Equal(TaskStatus.Pending, requeued.Status);
        var again = Assert.Single((await worker.Tasks.ClaimAsync(new ClaimTasksRequest(["build"]))).Items);
        Assert.True(again.FencingToken > task.FencingToken);
        var completed = await worker.Tasks.CompleteAsync(again.TaskId, new CompleteTaskRequest(again.LeaseId, again.FencingToken, Json("""{"ok":true}""")));

        Assert.Equal(TaskStatus.Completed, completed.Status);
        Assert.True((await worker.Tasks.GetAsync(task.TaskId)).Result!.Value.GetProperty("ok").GetBoolean());
        var stats = await worker.Tasks.StatsAsync();
        Assert.Equal((1, 1), (stats.Completed, stats.Total));
        var events = await worker.Tasks.EventsAsync(limit: 100);
        Assert.Contains(events.Items, e => e.Type == "task.completed" && e.Subject == task.TaskId);
    }

    [Fact]
    public async Task A_stale_lease_is_refused_with_its_problem_code_and_status()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker-1");
        await worker.Tasks.CreateAsync(new CreateTaskRequest("build", "one"));
        var task = Assert.Single((await worker.Tasks.ClaimAsync(new ClaimTasksRequest(["build"]))).Items);
        await worker.Tasks.ReleaseAsync(task.TaskId, new ReleaseTaskRequest(task.LeaseId, task.FencingToken, "not mine after all"));

        var problem = await Assert.ThrowsAsync<CoordinationProblemException>(() =>
            worker.Tasks.CompleteAsync(task.TaskId, new CompleteTaskRequest(task.LeaseId, task.FencingToken)));

        Assert.Equal("lease_lost", problem.Code);
        Assert.Equal(HttpStatusCode.Conflict, problem.Status);
        Assert.False(problem.IsTransient);
        Assert.NotNull(problem.Detail);
    }

    [Fact]
    public async Task Creates_carry_a_generated_idempotency_key_and_a_repeat_with_the_callers_key_returns_the_original()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker-1");

        var first = await worker.Tasks.CreateAsync(new CreateTaskRequest("mail", "send"), idempotencyKey: "order-42");
        var repeat = await worker.Tasks.CreateAsync(new CreateTaskRequest("mail", "send"), idempotencyKey: "order-42");
        var other = await worker.Tasks.CreateAsync(new CreateTaskRequest("mail", "send"));
        var bulk = await worker.Tasks.CreateBulkAsync([.. Enumerable.Range(0, 3).Select(i => new CreateTaskRequest("mail", $"bulk {i}"))], "bulk-1");
        var bulkRepeat = await worker.Tasks.CreateBulkAsync([.. Enumerable.Range(0, 3).Select(i => new CreateTaskRequest("mail", $"bulk {i}"))], "bulk-1");

        Assert.Equal(first.TaskId, repeat.TaskId);
        Assert.NotEqual(first.TaskId, other.TaskId);
        Assert.Equal(bulk.Tasks.Select(t => t.TaskId), bulkRepeat.Tasks.Select(t => t.TaskId));
        Assert.Equal(5, (await worker.Tasks.StatsAsync()).Total);
    }

    [Fact]
    public async Task Coordinator_operations_list_update_reassign_recover_snapshot_and_delete()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var worker = await swarm.JoinAsync("worker-1");
        var coordinator = swarm.Coordinator;
        var a = await coordinator.Tasks.CreateAsync(new CreateTaskRequest("review", "a"));
        var b = await coordinator.Tasks.CreateAsync(new CreateTaskRequest("review", "b", AssignedTo: "worker-1"));

        var updated = await coordinator.Tasks.UpdateAsync(a.TaskId, new UpdateTaskRequest(Title: "a, retitled", Priority: Json("9")));
        var reassigned = await coordinator.Tasks.ReassignAsync(b.TaskId, new ReassignTaskRequest(null));
        var claimed = Assert.Single((await worker.Tasks.ClaimAsync(new ClaimTasksRequest(["review"]))).Items);
        var dryRun = await coordinator.Tasks.RecoverAsync(new RecoverTasksRequest(1, DryRun: true));
        var pending = await coordinator.Tasks.ListAsync(status: TaskStatus.Pending);
        var leasedToWorker = await coordinator.Tasks.ListAsync(owner: "worker-1");
        var snapshot = await coordinator.Tasks.SnapshotAsync();
        await coordinator.Tasks.DeleteAsync(b.TaskId);

        Assert.Equal(("a, retitled", 9), (updated.Title, updated.Priority));
        Assert.Null(reassigned.AssignedTo);
        Assert.Equal(a.TaskId, claimed.TaskId);   // priority 9 first
        Assert.True(dryRun.DryRun);
        Assert.Empty(dryRun.Tasks);                // nothing claimed for a minute yet
        Assert.Equal([b.TaskId], pending.Items.Select(t => t.TaskId));
        Assert.Equal([a.TaskId], leasedToWorker.Items.Select(t => t.TaskId));
        Assert.Equal(2, snapshot.Items.Count);
        var gone = await Assert.ThrowsAsync<CoordinationProblemException>(() => coordinator.Tasks.GetAsync(b.TaskId));
        Assert.Equal("not_found", gone.Code);
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
