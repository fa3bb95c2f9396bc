using System.Text.Json.Nodes;

namespace Coordination.IntegrationTests.Contract;

/// <summary>The scenario's calls for messages, events, tasks and the end of a swarm.</summary>
public sealed partial class OpenApiConformanceTests
{
    private static async Task CallMessagesAsync(ResponseRecorder calls, Parties p)
    {
        var swarm = $"api/swarms/{p.SwarmId}";
        var sent = (await calls.PostAsync($"{swarm}/messages", p.Worker, new { to = "worker-2", content = "hello", subject = "greeting" }, expect: 201))!;
        await calls.PostAsync($"{swarm}/messages", p.Worker, new { to = "worker-2" }, expect: 400);
        var messageId = (string)sent["messageId"]!;
        await calls.GetAsync($"{swarm}/inbox", p.OtherWorker);
        await calls.GetAsync($"{swarm}/inbox?limit=100000", p.OtherWorker, expect: 400);
        await calls.GetAsync($"{swarm}/messages/{messageId}", p.OtherWorker);
        await calls.GetAsync($"{swarm}/messages/no-such-message", p.OtherWorker, expect: 404);
        await calls.GetAsync($"{swarm}/messages/{messageId}/thread", p.OtherWorker);
        await calls.GetAsync($"{swarm}/messages/no-such-message/thread", p.OtherWorker, expect: 404);
        await calls.PostAsync($"{swarm}/messages/{messageId}/ack", p.Worker, null, expect: 403);
        await calls.PostAsync($"{swarm}/messages/{messageId}/ack", p.OtherWorker, null, expect: 200);
        await calls.PostAsync($"{swarm}/catch-up", p.OtherWorker, new { limit = 10 }, expect: 200);
        await calls.PostAsync($"{swarm}/catch-up", p.OtherWorker, new { limit = "ten" }, expect: 400);
    }

    private static async Task CallEventsAsync(ResponseRecorder calls, Parties p)
    {
        var swarm = $"api/swarms/{p.SwarmId}";
        await calls.PostAsync($"{swarm}/events", p.Worker, new { type = "phase_complete", data = new { phase = 1 } });
        await calls.PostAsync($"{swarm}/events", p.Observer, new { type = "phase_complete" }, expect: 403);
        await calls.GetAsync($"{swarm}/events?limit=50", p.Observer);
        await calls.GetAsync($"{swarm}/events?limit=0", p.Observer, expect: 400);
        await calls.GetAsync($"{swarm}/events/stream", p.Observer);
        var streamToken = (string)(await calls.PostAsync($"{swarm}/stream-tokens", p.Observer, null, expect: 200))!["token"]!;
        await calls.GetAsync($"{swarm}/events/stream?access_token={streamToken}", null);
        await calls.GetAsync($"{swarm}/events/stream", "ct_not_a_token", expect: 401);
        await calls.GetAsync($"{swarm}/realtime/negotiate", p.Observer, expect: null);
        await calls.GetAsync($"{swarm}/realtime/negotiate", null, expect: 401);
        var subscription = (await calls.PostAsync($"{swarm}/subscriptions", p.Worker, new { patterns = new[] { "task.*", "lock.*" } }, expect: 201))!;
        await calls.PostAsync($"{swarm}/subscriptions", p.Worker, new { patterns = Array.Empty<string>() }, expect: 400);
        var subId = (string)subscription["subscriptionId"]!;
        var polled = (await calls.GetAsync($"{swarm}/subscriptions/{subId}/events?limit=10", p.Worker))!;
        await calls.GetAsync($"{swarm}/subscriptions/no-such/events", p.Worker, expect: 404);
        await calls.PostAsync($"{swarm}/subscriptions/{subId}/ack", p.Worker, new { cursor = (string)polled["nextCursor"]! });
        await calls.PostAsync($"{swarm}/subscriptions/{subId}/ack", p.Worker, new { cursor = "x" }, expect: 400);
        await calls.PostAsync($"{swarm}/topics/build/events", p.Worker, new { data = new { ok = true } });
        await calls.PostAsync($"{swarm}/topics/build/events", p.Observer, new { data = new { ok = true } }, expect: 403);
        await calls.CallAsync(HttpMethod.Delete, $"{swarm}/subscriptions/{subId}", p.Worker, expect: 204);
        await calls.CallAsync(HttpMethod.Delete, $"{swarm}/subscriptions/{subId}", p.Worker, expect: 404);
    }

    private static async Task CallTasksAsync(ResponseRecorder calls, Parties p)
    {
        var tasks = $"api/swarms/{p.SwarmId}/tasks";
        var first = (await calls.PostAsync(tasks, p.Coordinator, new { type = "build", title = "Build it", priority = 5, idempotencyKey = "k1" }, expect: 201))!;
        await calls.PostAsync(tasks, p.Coordinator, new { type = "build", title = "Build it", priority = 5, idempotencyKey = "k1" });
        await calls.PostAsync(tasks, p.Coordinator, new { type = "build" }, expect: 400);
        await calls.PostAsync($"{tasks}/bulk", p.Coordinator, new { tasks = new[] { new { type = "test", title = "Test it" }, new { type = "test", title = "Lint it" } } });
        await calls.PostAsync($"{tasks}/bulk", p.Coordinator, new { tasks = Array.Empty<object>() }, expect: 400);
        var taskId = (string)first["taskId"]!;
        var claim = (await calls.PostAsync($"{tasks}/claim", p.Worker, new { types = new[] { "build" }, count = 1, leaseSeconds = 60 }, expect: 200))!;
        await calls.PostAsync($"{tasks}/claim", p.Worker, new { count = 0 }, expect: 400);
        await calls.GetAsync($"{tasks}?limit=2", p.Observer);
        await calls.GetAsync($"{tasks}?status=nonsense", p.Observer, expect: 400);
        await calls.GetAsync($"{tasks}/stats", p.Observer);
        await calls.GetAsync($"{tasks}/stats", null, expect: 401);
        await calls.GetAsync($"{tasks}/snapshot", p.Observer);
        await calls.GetAsync($"{tasks}/snapshot", "ct_bad", expect: 401);
        await calls.GetAsync($"{tasks}/events", p.Observer);
        await calls.GetAsync($"{tasks}/events?limit=0", p.Observer, expect: 400);
        await calls.GetAsync($"{tasks}/{taskId}", p.Observer);
        await calls.GetAsync($"{tasks}/no-such-task", p.Observer, expect: 404);
        var held = LeaseOf(claim);
        var lease = new { held.LeaseId, held.FencingToken };
        await calls.PostAsync($"{tasks}/{taskId}/renew", p.Worker, lease, expect: 200);
        await calls.PostAsync($"{tasks}/{taskId}/renew", p.OtherWorker, lease, expect: null);
        await calls.PostAsync($"{tasks}/{taskId}/release", p.Worker, lease, expect: 200);
        await calls.PostAsync($"{tasks}/{taskId}/release", p.Worker, lease, expect: null);
        var again = LeaseOf((await calls.PostAsync($"{tasks}/claim", p.Worker, new { types = new[] { "build" } }, expect: 200))!);
        await calls.PostAsync($"{tasks}/{taskId}/complete", p.OtherWorker, new { again.LeaseId, again.FencingToken }, expect: 403);
        await calls.PostAsync($"{tasks}/{taskId}/complete", p.Worker, new { again.LeaseId, again.FencingToken, result = new { ok = true } }, expect: 200);
        await calls.PostAsync($"{tasks}/{taskId}/complete", p.Worker, new { again.LeaseId, again.FencingToken }, expect: null);
        var failing = LeaseOf((await calls.PostAsync($"{tasks}/claim", p.Worker, new { types = new[] { "test" } }, expect: 200))!);
        await calls.PostAsync($"{tasks}/{failing.TaskId}/fail", p.Worker, new { failing.LeaseId, failing.FencingToken, error = "broke", retryable = false }, expect: 200);
        await calls.PostAsync($"{tasks}/{failing.TaskId}/fail", p.Worker, new { failing.LeaseId, failing.FencingToken, error = "again" }, expect: null);
        await calls.PostAsync($"{tasks}/{failing.TaskId}/requeue", p.Coordinator, null, expect: 200);
        await calls.PostAsync($"{tasks}/{failing.TaskId}/requeue", p.Worker, null, expect: 409);
        await calls.PostAsync($"{tasks}/{failing.TaskId}/reassign", p.Coordinator, new { assignedTo = "worker-2" }, expect: 200);
        await calls.PostAsync($"{tasks}/{failing.TaskId}/reassign", p.Coordinator, new { assignedTo = 7 }, expect: 400);
        await calls.CallAsync(new HttpMethod("PATCH"), $"{tasks}/{failing.TaskId}", p.Coordinator, new { title = "Test it well" }, expect: 200);
        await calls.CallAsync(new HttpMethod("PATCH"), $"{tasks}/{failing.TaskId}", p.Worker, new { title = "mine" }, expect: 403);
        await calls.PostAsync($"{tasks}/recover", p.Coordinator, new { stuckThresholdMinutes = 1, dryRun = true }, expect: 200);
        await calls.PostAsync($"{tasks}/recover", p.Coordinator, new { stuckThresholdMinutes = -1 }, expect: 400);
        await calls.CallAsync(HttpMethod.Delete, $"{tasks}/{taskId}", p.Coordinator);
        await calls.CallAsync(HttpMethod.Delete, $"{tasks}/{taskId}", p.Coordinator, expect: 404);
    }

    private static async Task CallSwarmEndAsync(ResponseRecorder calls, Parties p)
    {
        var swarm = $"api/swarms/{p.SwarmId}";
        await calls.CallAsync(HttpMethod.Delete, $"{swarm}/members/watcher", p.Worker, expect: 403);
        await calls.CallAsync(HttpMethod.Delete, $"{swarm}/members/watcher", p.Coordinator);
        await calls.PostAsync($"{swarm}/archive", p.Worker, null, expect: 403);
        await calls.PostAsync($"{swarm}/archive", p.Coordinator, null, expect: 200);
        await calls.PostAsync($"{swarm}/events", p.Worker, new { type = "phase_complete" }, expect: 409);
        await calls.CallAsync(HttpMethod.Delete, swarm, p.Worker, expect: 403);
        await calls.CallAsync(HttpMethod.Delete, swarm, p.Coordinator);
    }

    private sealed record Lease(string TaskId, string LeaseId, long FencingToken);

    private static Lease LeaseOf(JsonNode claim)
    {
        var task = claim["items"]![0]!;
        return new Lease((string)task["taskId"]!, (string)task["leaseId"]!, (long)task["fencingToken"]!);
    }
}
