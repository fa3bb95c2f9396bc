using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>
/// The task routes speak the API's one vocabulary (issue 12): status wire names in filters and stats, lists as
/// <c>items</c> / <c>nextCursor</c> / <c>hasMore</c>, bulk create 201.
/// </summary>
public sealed class TaskVocabularyTests : IAsyncLifetime
{
    private static readonly string[] WireNames = ["pending", "blocked", "claimed", "completed", "failed", "dead_lettered", "cancelled"];

    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_status_filter_takes_every_wire_name_and_finds_the_task_in_that_state()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var expected = await OneTaskInEachStateAsync(swarm, client);
        foreach (var status in WireNames)
        {
            var page = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks?status={status}"))!;
            var found = Assert.Single(page["items"]!.AsArray());
            Assert.Equal(expected[status], (string?)found!["taskId"]);
            Assert.Equal(status, (string?)found["status"]);
        }
    }

    [Fact]
    public async Task Stats_are_keyed_by_the_status_wire_names_and_total()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        await OneTaskInEachStateAsync(swarm, client);
        var stats = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!.AsObject();
        Assert.Equal(WireNames.Append("total").Order(StringComparer.Ordinal), stats.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(WireNames, status => Assert.Equal(1, (int)stats[status]!));
        Assert.Equal(WireNames.Length, (int)stats["total"]!);
    }

    [Theory]
    [InlineData("sideways")]
    [InlineData("DeadLettered")]
    [InlineData("Failed")]
    [InlineData("2")]
    public async Task An_unknown_status_is_refused_naming_the_field_and_listing_the_wire_names(string status)
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        using var response = await client.GetAsync($"api/swarms/{swarm.SwarmId}/tasks?status={status}");
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("status", (string?)problem["field"]);
        Assert.Equal(WireNames, problem["allowed"]!.AsArray().Select(v => (string)v!));
        Assert.Contains("pending, blocked, claimed, completed, failed, dead_lettered, cancelled", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_task_list_pages_with_items_next_cursor_and_has_more()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var created = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            created.Add((string)(await client.CreateTaskAsync(swarm, new { type = "page", title = $"t{i}" }))["taskId"]!);
        }
        var first = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks?limit=2"))!.AsObject();
        Assert.Equal(["items", "nextCursor", "hasMore"], first.Select(p => p.Key));
        Assert.True((bool)first["hasMore"]!);
        var cursor = Assert.IsType<string>((string?)first["nextCursor"]);
        var last = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks?limit=2&cursor={cursor}"))!.AsObject();
        Assert.True(last.ContainsKey("nextCursor"));
        Assert.Null(last["nextCursor"]);
        Assert.False((bool)last["hasMore"]!);
        Assert.Equal(created, first["items"]!.AsArray().Concat(last["items"]!.AsArray()).Select(t => (string)t!["taskId"]!));
    }

    [Fact]
    public async Task Task_events_page_with_the_sequence_as_cursor()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        for (var i = 0; i < 3; i++)
        {
            await client.CreateTaskAsync(swarm, new { type = "feed", title = $"t{i}" });
        }
        var first = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/events?limit=2"))!.AsObject();
        Assert.Equal(["items", "nextCursor", "hasMore"], first.Select(p => p.Key));
        var items = first["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.True((bool)first["hasMore"]!);
        Assert.Equal(((long)items[1]!["sequence"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)first["nextCursor"]);

        var rest = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/events?limit=2&cursor={first["nextCursor"]}"))!.AsObject();
        var last = Assert.Single(rest["items"]!.AsArray());
        Assert.Equal("task.created", (string?)last!["type"]);
        Assert.True((long)last["sequence"]! > (long)items[1]!["sequence"]!);
        Assert.False((bool)rest["hasMore"]!);
        Assert.Equal(((long)last["sequence"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)rest["nextCursor"]);

        var caughtUp = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/events?cursor={rest["nextCursor"]}"))!.AsObject();
        Assert.Empty(caughtUp["items"]!.AsArray());
        Assert.Equal((string?)rest["nextCursor"], (string?)caughtUp["nextCursor"]);   // a poller keeps its place
        Assert.False((bool)caughtUp["hasMore"]!);

        using var bad = await client.GetAsync($"api/swarms/{swarm.SwarmId}/tasks/events?cursor=abc");
        Assert.Equal("cursor", (string?)(await SwarmApi.EnsureProblemAsync(bad, HttpStatusCode.BadRequest, "validation_failed"))["field"]);
    }

    [Fact]
    public async Task Claim_and_snapshot_answer_items()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var task = await client.CreateTaskAsync(swarm, new { type = "job", title = "one" });
        using (var claim = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/claim", new { }))
        {
            var body = await SwarmApi.EnsureAsync(claim, HttpStatusCode.OK);
            Assert.Equal(["items"], body.Select(p => p.Key));
            Assert.Equal((string?)task["taskId"], (string?)Assert.Single(body["items"]!.AsArray())!["taskId"]);
        }
        var snapshot = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/snapshot"))!.AsObject();
        Assert.Equal(["items", "truncated"], snapshot.Select(p => p.Key));
        Assert.Equal("claimed", (string?)Assert.Single(snapshot["items"]!.AsArray())!["status"]);
    }

    [Fact]
    public async Task Create_answers_201_with_the_task_location_and_a_repeat_with_its_key_answers_200_with_the_original()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var bodies = new List<JsonObject>();
        foreach (var expected in new[] { HttpStatusCode.Created, HttpStatusCode.OK })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/tasks") { Content = JsonContent.Create(new { type = "once", title = "single" }) };
            request.Headers.Add("Idempotency-Key", "single-201");
            using var response = await client.SendAsync(request);
            var body = await SwarmApi.EnsureAsync(response, expected);
            if (expected == HttpStatusCode.Created)
            {
                Assert.Equal($"/api/swarms/{swarm.SwarmId}/tasks/{body["taskId"]}", response.Headers.Location?.OriginalString);
            }
            bodies.Add(body);
        }
        Assert.Equal((string?)bodies[0]["taskId"], (string?)bodies[1]["taskId"]);
    }

    [Fact]
    public async Task Bulk_create_answers_201_and_a_repeat_with_its_key_answers_200_with_the_same_tasks()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        using (var plain = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/bulk", new { tasks = new[] { new { type = "bulk", title = "keyless" } } }))
        {
            Assert.Single((await SwarmApi.EnsureAsync(plain, HttpStatusCode.Created))["tasks"]!.AsArray());
        }
        var ids = new List<List<string>>();
        foreach (var expected in new[] { HttpStatusCode.Created, HttpStatusCode.OK })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/tasks/bulk")
            {
                Content = JsonContent.Create(new { tasks = new[] { new { type = "bulk", title = "a" }, new { type = "bulk", title = "b" } } }),
            };
            request.Headers.Add("Idempotency-Key", "bulk-201");
            using var response = await client.SendAsync(request);
            ids.Add((await SwarmApi.EnsureAsync(response, expected))["tasks"]!.AsArray().Select(t => (string)t!["taskId"]!).ToList());
        }
        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(3, (await _app.ReadAllEventsAsync(swarm, "task.created")).Count);
    }

    /// <summary>Creates one task in each of the seven states (distinct types, so each claim takes the one meant); their ids by wire name.</summary>
    private static async Task<Dictionary<string, string>> OneTaskInEachStateAsync(TestSwarm swarm, HttpClient client)
    {
        var ids = new Dictionary<string, string>();
        async Task<JsonObject> CreateAsync(string status, object? extra = null)
        {
            var body = JsonSerializerNode(new { type = status, title = status });
            foreach (var (key, value) in JsonSerializerNode(extra ?? new { }))
            {
                body[key] = value?.DeepClone();
            }
            var task = await client.CreateTaskAsync(swarm, body);
            ids[status] = (string)task["taskId"]!;
            return task;
        }
        async Task<JsonObject> ClaimAsync(string type) => Assert.Single(await client.ClaimAsync(swarm, new { types = new[] { type } }));

        var pending = await CreateAsync("pending");
        await CreateAsync("blocked", new { dependencies = new[] { (string)pending["taskId"]! } });
        var cancelled = await CreateAsync("cancelled");
        using (var cancel = await client.PatchAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/{cancelled["taskId"]}", new { status = "cancelled" }))
        {
            await SwarmApi.EnsureAsync(cancel, HttpStatusCode.OK);
        }
        await CreateAsync("claimed");
        await ClaimAsync("claimed");
        foreach (var (status, action, body) in new (string, string, object?)[]
        {
            ("completed", "complete", null),
            ("failed", "fail", new { retryable = false }),
            ("dead_lettered", "fail", new { retryable = true }),
        })
        {
            await CreateAsync(status, new { maxAttempts = 1 });
            var claimed = await ClaimAsync(status);
            var request = JsonSerializerNode(body ?? new { });
            request["leaseId"] = (string?)claimed["leaseId"];
            using var response = await client.ActAsync(swarm, claimed, action, request);
            Assert.Equal(status, (string?)(await SwarmApi.EnsureAsync(response, HttpStatusCode.OK))["status"]);
        }
        return ids;
    }

    private static JsonObject JsonSerializerNode(object value) => System.Text.Json.JsonSerializer.SerializeToNode(value)!.AsObject();
}
