using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>Bad input to the task routes: a precise 400 naming the field, never a 500, and nothing written.</summary>
public sealed class TaskValidationTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, string, string> BadCreates() => new()
    {
        { """{"type":"build","title":"t","colour":"red"}""", "path", "$.colour" },
        { """{"type":"build","title":5}""", "path", "$.title" },
        { """{"type":"build","title":"t","maxAttempts":"three"}""", "path", "$.maxAttempts" },
        { """{"type":"build","title":"t","priority":10}""", "field", "priority" },
        { """{"type":"build","title":"t","priority":"urgent"}""", "field", "priority" },
        { """{"type":"build","title":"t","priority":-1}""", "field", "priority" },
        { """{"type":"has space","title":"t"}""", "field", "type" },
        { """{"type":"build","title":"   "}""", "field", "title" },
        { $$"""{"type":"build","title":"{{new string('x', 201)}}"}""", "field", "title" },
        { """{"type":"build","title":"t","maxAttempts":0}""", "field", "maxAttempts" },
        { """{"type":"build","title":"t","dependencies":["not-a-task"]}""", "field", "dependencies[0]" },
        { """{"type":"build","title":"t","dependencies":["task_0000000000000000000000000","task_missing00000000000000000"]}""", "field", "dependencies[0]" },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task A_bad_create_is_refused_naming_the_field_and_writes_nothing(string body, string member, string expected)
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        using var response = await client.PostAsync($"api/swarms/{swarm.SwarmId}/tasks", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(expected, (string?)problem[member]);
        await AssertNothingWrittenAsync(swarm, client);
    }

    [Fact]
    public async Task A_dependency_on_a_missing_task_names_its_index()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var real = await client.CreateTaskAsync(swarm, new { type = "build", title = "real" });
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks",
            new { type = "build", title = "t", dependencies = new[] { (string)real["taskId"]!, "task_0hqt7r6awhbfqbd7djxfm" } });
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("dependencies[1]", (string?)problem["field"]);
        Assert.Empty(JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/{real["taskId"]}"))!["blockedBy"]!.AsArray());
        Assert.Single(await _app.ReadAllEventsAsync(swarm, "task.created"));
    }

    [Fact]
    public async Task Malformed_json_is_malformed_json_and_writes_nothing()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        foreach (var body in new[] { """{"type":"build","title":"t",}""", """{"type":"build" "title":"t"}""", """{"type":"build","title":"t"} trailing""" })
        {
            using var response = await client.PostAsync($"api/swarms/{swarm.SwarmId}/tasks", new StringContent(body, Encoding.UTF8, "application/json"));
            await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "malformed_json");
        }
        await AssertNothingWrittenAsync(swarm, client);
    }

    [Theory]
    [InlineData("""{"leaseSeconds":4}""", "leaseSeconds")]
    [InlineData("""{"leaseSeconds":3601}""", "leaseSeconds")]
    [InlineData("""{"wait":61}""", "wait")]
    [InlineData("""{"count":0}""", "count")]
    [InlineData("""{"types":["no spaces allowed"]}""", "types")]
    public async Task A_bad_claim_is_refused_naming_the_field_and_claims_nothing(string body, string field)
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        await client.CreateTaskAsync(swarm, new { type = "build", title = "waiting" });
        using var response = await client.PostAsync($"api/swarms/{swarm.SwarmId}/tasks/claim", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(field, (string?)(await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed"))["field"]);
        Assert.Equal(1, (int)JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["pending"]!);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.claimed"));
    }

    [Theory]
    [InlineData("""{"priority":10}""", "priority")]
    [InlineData("""{"priority":"urgent"}""", "priority")]
    [InlineData("""{"title":""}""", "title")]
    public async Task A_bad_update_is_refused_naming_the_field_and_changes_nothing(string body, string field)
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        var task = await client.CreateTaskAsync(swarm, new { type = "build", title = "as created" });
        using var response = await client.PatchAsync($"api/swarms/{swarm.SwarmId}/tasks/{task["taskId"]}", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(field, (string?)(await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed"))["field"]);
        var view = await client.GetTaskAsync(swarm, (string)task["taskId"]!);
        Assert.Equal("as created", (string?)view["title"]);
        Assert.Equal(5, (int)view["priority"]!);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.updated"));
    }

    [Theory]
    [InlineData("tasks?status=sideways")]
    [InlineData("tasks?limit=0")]
    [InlineData("tasks?cursor=%25%25%25")]
    [InlineData("tasks/events?since=yesterday")]
    public async Task A_bad_query_is_a_400_not_a_500(string query)
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        await client.CreateTaskAsync(swarm, new { type = "build", title = "listed" });
        using var response = await client.GetAsync($"api/swarms/{swarm.SwarmId}/{query}");
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
    }

    private async Task AssertNothingWrittenAsync(TestSwarm swarm, HttpClient client)
    {
        Assert.Equal(0, (int)JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!["total"]!);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "task.created"));
    }
}
