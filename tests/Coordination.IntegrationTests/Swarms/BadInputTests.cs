using System.Net;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>Bad bodies on the swarm routes answer a precise 400 and write nothing.</summary>
public sealed class BadInputTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Malformed_json_answers_malformed_json_on_create_join_broadcast_and_heartbeat()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "typist");
        var tenantBefore = await App.TenantSnapshotAsync("test");
        var swarmBefore = await App.PartitionSnapshotAsync(swarm);
        string[] syntaxErrors = ["{", "{\"name\": }", "{\"name\": \"x\",}", "not json", "{'name': 'x'}"];
        // Each route's body is otherwise acceptable, so only the trailing text is wrong.
        (string Path, string? Bearer, string Complete)[] routes =
        [
            ("api/swarms", RunningApp.TenantKey, """{"name":"x"}"""),
            ("api/swarms/join", null, $$"""{"joinCode":"{{swarm.JoinCode}}","role":"worker","agentId":"trailing"}"""),
            ($"api/swarms/{swarm.SwarmId}/events", worker, """{"type":"fine.type"}"""),
            ($"api/swarms/{swarm.SwarmId}/heartbeat", worker, """{"status":"busy"}"""),
        ];
        foreach (var (path, bearer, complete) in routes)
        {
            foreach (var body in syntaxErrors.Append(complete + " trailing").Append(complete + "}"))
            {
                using var response = await App.SendAsync(HttpMethod.Post, path, bearer, body);
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest && text.Contains("\"code\":\"malformed_json\"", StringComparison.Ordinal), $"{path} with {body}: {text}");
            }
        }
        Assert.Equal(tenantBefore, await App.TenantSnapshotAsync("test"));
        Assert.Equal(swarmBefore, await App.PartitionSnapshotAsync(swarm));
    }

    [Fact]
    public async Task Wrong_types_answer_validation_failed_with_the_json_path()
    {
        var swarm = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "typist");
        var tenantBefore = await App.TenantSnapshotAsync("test");
        var swarmBefore = await App.PartitionSnapshotAsync(swarm);
        (string Path, string? Bearer, string Body, string JsonPath)[] cases =
        [
            ("api/swarms", RunningApp.TenantKey, """{"name":"n","maxAgents":"x"}""", "$.maxAgents"),
            ("api/swarms", RunningApp.TenantKey, """{"name":42}""", "$.name"),
            ("api/swarms", RunningApp.TenantKey, "\uFEFF" + """{"name":"n","maxAgents":"x"}""", "$.maxAgents"),
            ("api/swarms", RunningApp.TenantKey, """{"name":"n","maxAgents":2.5}""", "$.maxAgents"),
            ("api/swarms/join", null, $$"""{"joinCode":"{{swarm.JoinCode}}","role":"king","agentId":"usurper"}""", "$.role"),
            ("api/swarms/join", null, $$"""{"joinCode":"{{swarm.JoinCode}}","role":2,"agentId":"usurper"}""", "$.role"),
            ("api/swarms/join", null, $$"""{"joinCode":"{{swarm.JoinCode}}","role":"worker","capabilities":"all"}""", "$.capabilities"),
            ($"api/swarms/{swarm.SwarmId}/heartbeat", worker, """{"status":"online","capabilities":[1,2]}""", "$.capabilities[0]"),
        ];
        foreach (var (path, bearer, body, jsonPath) in cases)
        {
            using var response = await App.SendAsync(HttpMethod.Post, path, bearer, body);
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Equal(jsonPath, (string?)problem["path"]);
        }
        Assert.Equal(tenantBefore, await App.TenantSnapshotAsync("test"));
        Assert.Equal(swarmBefore, await App.PartitionSnapshotAsync(swarm));
        Assert.Equal(["coordinator", "typist"], await App.MemberIdsAsync(swarm));
    }

    [Fact]
    public async Task Unknown_and_missing_fields_answer_validation_failed()
    {
        var swarm = await App.CreateSwarmAsync();
        var tenantBefore = await App.TenantSnapshotAsync("test");
        var swarmBefore = await App.PartitionSnapshotAsync(swarm);
        (string Path, string? Bearer, string Body, string Detail)[] cases =
        [
            ("api/swarms", RunningApp.TenantKey, """{"name":"n","owner":"me"}""", "Unknown field 'owner'; this object takes name, goal"),
            ("api/swarms", RunningApp.TenantKey, """{"name":"n","status":"archived"}""", "Unknown field 'status'"),
            ("api/swarms", RunningApp.TenantKey, """{"goal":"no name"}""", "Required field 'name' missing"),
            ("api/swarms", RunningApp.TenantKey, """{"name":null}""", "$.name"),
            ("api/swarms", RunningApp.TenantKey, "[]", "$"),
            ("api/swarms/join", null, $$"""{"joinCode":"{{swarm.JoinCode}}","role":"worker","tokenId":"mine"}""", "Unknown field 'tokenId'"),
            ("api/swarms/join", null, $$"""{"joinCode":"{{swarm.JoinCode}}"}""", "Required field 'role' missing"),
            ("api/swarms/join", null, """{"role":"worker"}""", "Required field 'joinCode' missing"),
        ];
        foreach (var (path, bearer, body, detail) in cases)
        {
            using var response = await App.SendAsync(HttpMethod.Post, path, bearer, body);
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Contains(detail, (string?)problem["detail"], StringComparison.Ordinal);
        }
        Assert.Equal(tenantBefore, await App.TenantSnapshotAsync("test"));
        Assert.Equal(swarmBefore, await App.PartitionSnapshotAsync(swarm));
    }

    [Fact]
    public async Task Values_out_of_bounds_answer_validation_failed_naming_the_field()
    {
        var swarm = await App.CreateSwarmAsync();
        var tenantBefore = await App.TenantSnapshotAsync("test");
        var swarmBefore = await App.PartitionSnapshotAsync(swarm);
        (string Path, object Body, string Field)[] cases =
        [
            ("api/swarms", new { name = new string('n', 101) }, "name"),
            ("api/swarms", new { name = "   " }, "name"),
            ("api/swarms", new { name = "n", goal = new string('g', 2001) }, "goal"),
            ("api/swarms", new { name = "n", maxAgents = 0 }, "maxAgents"),
            ("api/swarms", new { name = "n", coordinatorId = new string('c', 129) }, "coordinatorId"),
            ("api/swarms", new { name = "bell\u0007" }, "name"),
            ("api/swarms/join", new { joinCode = swarm.JoinCode, role = "worker", agentId = new string('a', 129) }, "agentId"),
            ("api/swarms/join", new { joinCode = swarm.JoinCode, role = "worker", agentId = "ok", name = new string('n', 101) }, "name"),
        ];
        foreach (var (path, body, field) in cases)
        {
            using var response = await App.SendAsync(HttpMethod.Post, path, path == "api/swarms" ? RunningApp.TenantKey : null, body);
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
            Assert.Equal(field, (string?)problem["field"]);
            Assert.StartsWith(field + ":", (string?)problem["detail"], StringComparison.Ordinal);
        }
        Assert.Equal(tenantBefore, await App.TenantSnapshotAsync("test"));
        Assert.Equal(swarmBefore, await App.PartitionSnapshotAsync(swarm));
    }
}
