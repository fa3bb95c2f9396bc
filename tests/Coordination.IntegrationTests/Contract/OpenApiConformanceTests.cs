using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Contract;

/// <summary>
/// The served OpenAPI document describes what is served: one scenario calls every operation for a success and at
/// least one problem, and every answer is validated against the document (JSON Schema 2020-12, ajv): the status is
/// declared, the media type is declared, the body fits the schema, a problem's code is one the operation lists.
/// </summary>
public sealed partial class OpenApiConformanceTests
{
    [Fact]
    public async Task Every_operation_answers_what_the_document_declares_for_a_success_and_a_problem()
    {
        await using var app = await RunningApp.StartAsync();
        var calls = new ResponseRecorder(app);

        await CallSystemAsync(calls);
        var swarm = await CallSwarmsAsync(calls);
        await CallPresenceAsync(calls, swarm);
        await CallStateAsync(calls, swarm);
        await CallLocksAsync(calls, swarm);
        await CallMessagesAsync(calls, swarm);
        await CallEventsAsync(calls, swarm);
        await CallTasksAsync(calls, swarm);
        await CallSwarmEndAsync(calls, swarm);

        var document = await app.Client.GetStringAsync("api/openapi.json");
        // Kept when the test fails, for a look at the document and the answers; removed when it passes.
        var folder = Directory.CreateTempSubdirectory("openapi-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "openapi.json"), document);
        await File.WriteAllTextAsync(Path.Combine(folder, "responses.json"), calls.Records.ToJsonString());
        var result = await NodeScript.RunAsync("validate-openapi.mjs", [Path.Combine(folder, "openapi.json"), Path.Combine(folder, "responses.json")]);
        Assert.True(result.StandardOutput.Length > 0, $"The validator failed ({folder}): " + result.StandardError);
        var report = JsonNode.Parse(result.StandardOutput)!;
        Assert.True(result.ExitCode == 0, $"Responses that do not match the document ({folder}):\n" + string.Join("\n", report["failures"]!.AsArray().Select(f => f!.ToJsonString())));
        var uncovered = report["coverage"]!.AsObject()
            .Where(o => (int)o.Value!["success"]! == 0 || (int)o.Value!["problem"]! == 0)
            .Select(o => $"{o.Key} (success {o.Value!["success"]}, problem {o.Value!["problem"]})").ToList();
        Assert.True(uncovered.Count == 0, "Operations not exercised for both a success and a problem: " + string.Join(", ", uncovered));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task The_task_status_filter_is_documented_with_the_status_wire_names()
    {
        await using var app = await RunningApp.StartAsync();
        var document = JsonNode.Parse(await app.Client.GetStringAsync("api/openapi.json"))!;
        var status = document["paths"]!["/api/swarms/{id}/tasks"]!["get"]!["parameters"]!.AsArray().Single(p => (string?)p!["name"] == "status")!;
        var schema = status["schema"]!;
        if ((string?)schema["$ref"] is { } reference)
        {
            schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        }
        var allowed = schema["enum"]!.AsArray().Select(v => (string)v!).ToArray();
        Assert.Equal(["pending", "blocked", "claimed", "completed", "failed", "dead_lettered", "cancelled"], allowed);
    }

    /// <summary>The parties of the scenario.</summary>
    private sealed record Parties(string SwarmId, string JoinCode, string Coordinator, string Worker, string Observer, string OtherWorker);

    private static async Task CallSystemAsync(ResponseRecorder calls)
    {
        await calls.GetAsync("api/health", null);
        await calls.GetAsync("api/openapi.json", null);
        await calls.GetAsync("api/health?pad=" + new string('a', 9000), null, expect: 414);
        await calls.GetAsync("api/openapi.json?pad=" + new string('a', 9000), null, expect: 414);
    }

    private static async Task<Parties> CallSwarmsAsync(ResponseRecorder calls)
    {
        var created = (await calls.PostAsync("api/swarms", RunningApp.TenantKey, new { name = "conformance", goal = "every route", maxAgents = 10 }, expect: 201))!;
        await calls.PostAsync("api/swarms", RunningApp.TenantKey, new { name = "" }, expect: 400);
        var swarmId = (string)created["swarmId"]!;
        var joinCode = (string)created["joinCode"]!;
        var coordinator = (string)created["token"]!;
        var coordinatorCode = (string)created["coordinatorCode"]!;
        var worker = (string)(await calls.PostAsync("api/swarms/join", null, new { joinCode, swarmId, role = "worker", agentId = "worker-1", capabilities = new[] { "python" } }, expect: 201))!["token"]!;
        worker = (string)(await calls.PostAsync("api/swarms/join", null, new { joinCode, swarmId, role = "worker", agentId = "worker-1", capabilities = new[] { "python" } }, expect: 200))!["token"]!;
        var other = (string)(await calls.PostAsync("api/swarms/join", null, new { joinCode, swarmId, role = "worker", agentId = "worker-2" }, expect: 201))!["token"]!;
        var observer = (string)(await calls.PostAsync("api/swarms/join", null, new { joinCode, swarmId, role = "observer", agentId = "watcher" }, expect: 201))!["token"]!;
        await calls.PostAsync("api/swarms/join", null, new { joinCode = coordinatorCode, swarmId, role = "coordinator", agentId = "deputy" }, expect: 201);
        await calls.PostAsync("api/swarms/join", null, new { joinCode, swarmId, role = "coordinator", agentId = "usurper" }, expect: 403);
        await calls.PostAsync("api/swarms/join", null, new { joinCode = "wrong", swarmId, role = "worker" }, expect: 401);
        await calls.GetAsync("api/swarms?limit=5", RunningApp.TenantKey);
        await calls.GetAsync("api/swarms?limit=0", RunningApp.TenantKey, expect: 400);
        await calls.GetAsync($"api/swarms/{swarmId}", RunningApp.TenantKey);
        await calls.PostAsync($"api/swarms/{swarmId}/coordinator-token", RunningApp.TenantKey, new { agentId = "recovered-lead" }, expect: 201);
        await calls.PostAsync($"api/swarms/{swarmId}/coordinator-token", RunningApp.TenantKey, new { }, expect: 400);
        await calls.PostAsync($"api/swarms/{swarmId}/stream-tokens", worker, null, expect: 200);
        await calls.PostAsync($"api/swarms/{swarmId}/stream-tokens", null, null, expect: 401);
        await calls.GetAsync($"api/swarms/{swarmId}", coordinator);
        await calls.GetAsync($"api/swarms/{swarmId}", worker);
        await calls.GetAsync("api/swarms/no-such-swarm", coordinator, expect: 404);
        await calls.GetAsync($"api/swarms/{swarmId}/members", observer);
        await calls.GetAsync($"api/swarms/{swarmId}/members", null, expect: 401);
        return new Parties(swarmId, joinCode, coordinator, worker, observer, other);
    }

    private static async Task CallPresenceAsync(ResponseRecorder calls, Parties p)
    {
        await calls.PostAsync($"api/swarms/{p.SwarmId}/heartbeat", p.Worker, new { status = "busy", capabilities = new[] { "python" }, metadata = new { host = "h1" } }, expect: 200);
        await calls.PostAsync($"api/swarms/{p.SwarmId}/heartbeat", p.Worker, new { status = "asleep" }, expect: 400);
        await calls.GetAsync($"api/swarms/{p.SwarmId}/agents?capability=python", p.Observer);
        await calls.GetAsync($"api/swarms/{p.SwarmId}/agents?limit=0", p.Observer, expect: 400);
        await calls.GetAsync($"api/swarms/{p.SwarmId}/agents/worker-1", p.Observer);
        await calls.GetAsync($"api/swarms/{p.SwarmId}/agents/nobody", p.Observer, expect: 404);
    }

    private static async Task CallStateAsync(ResponseRecorder calls, Parties p)
    {
        var state = $"api/swarms/{p.SwarmId}/state";
        await calls.CallAsync(HttpMethod.Put, $"{state}/config", p.Worker, new { value = new { retries = 3 } }, expect: 200);
        await calls.CallAsync(HttpMethod.Put, $"{state}/config", p.Worker, new { value = 1, ifVersion = 7 }, expect: 409);
        await calls.GetAsync($"{state}/config", p.Observer);
        await calls.GetAsync($"{state}/missing", p.Observer, expect: 404);
        await calls.PostAsync($"{state}/counter/increment", p.Worker, new { delta = 5 }, expect: 200);
        await calls.PostAsync($"{state}/counter/increment", p.Worker, new { delta = long.MaxValue }, expect: 400);
        await calls.PostAsync($"{state}/poll", p.Observer, new { keys = new[] { "config", "counter" } }, expect: 200);
        await calls.PostAsync($"{state}/poll", p.Observer, new { keys = Array.Empty<string>() }, expect: 400);
        await calls.CallAsync(HttpMethod.Delete, $"{state}/config", p.Worker, expect: 200);
        await calls.CallAsync(HttpMethod.Delete, $"{state}/config", p.Observer, expect: 403);
    }

    private static async Task CallLocksAsync(ResponseRecorder calls, Parties p)
    {
        var locks = $"api/swarms/{p.SwarmId}/locks";
        var held = (await calls.PostAsync(locks, p.Worker, new { resource = "repo", ttl = 60 }, expect: 200))!;
        await calls.PostAsync(locks, p.OtherWorker, new { resource = "repo", ttl = 60 });
        await calls.PostAsync(locks, p.Worker, new { resource = "repo", ttl = 0 }, expect: 400);
        await calls.GetAsync(locks, p.Observer);
        await calls.GetAsync(locks, null, expect: 401);
        var claimId = (string)held["claimId"]!;
        await calls.PostAsync($"{locks}/{claimId}/renew", p.Worker, new { ttl = 120 }, expect: 200);
        await calls.PostAsync($"{locks}/{claimId}/renew", p.OtherWorker, new { ttl = 120 }, expect: 403);
        await calls.CallAsync(HttpMethod.Delete, $"{locks}/{claimId}", p.OtherWorker, expect: 403);
        await calls.CallAsync(HttpMethod.Delete, $"{locks}/{claimId}", p.Worker);
    }
}
