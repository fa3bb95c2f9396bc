using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using ModelContextProtocol.Protocol;

namespace Coordination.IntegrationTests.Clients.Mcp;

/// <summary>Who may use /api/mcp, and how refusals and bad arguments come back: as the API's problem codes, in isError results.</summary>
public sealed class McpAccessTests
{
    [Fact]
    public async Task The_endpoint_answers_the_api_401_problem_without_a_valid_bearer()
    {
        await using var app = await RunningApp.StartAsync();
        foreach (var bearer in new[] { null, "ct_forged.token" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/mcp")
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }
            using var response = await app.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("unauthorized", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"]);
        }
    }

    [Fact]
    public async Task An_observer_calling_a_write_tool_gets_forbidden_role_and_nothing_is_written()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        await using var observer = await app.ConnectAsync(await app.JoinAsync(swarm, "watcher", "observer"));

        var problem = await observer.CallFailingAsync("task_create", new { type = "build", title = "not allowed" });

        Assert.Equal(("forbidden_role", 403), ((string?)problem["code"], (int)problem["status"]!));
        Assert.Contains("worker", (string?)problem["detail"]);
        using var sdk = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        Assert.Equal(0, (await sdk.Tasks.StatsAsync()).Total);
        // Reads stay open to observers.
        Assert.Equal(0, (int)(await observer.CallAsync("task_stats"))["total"]!);
    }

    [Fact]
    public async Task Invalid_arguments_get_validation_failed_whether_the_api_or_the_binding_refuses_them()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        await using var worker = await app.ConnectAsync(await app.JoinAsync(swarm, "worker-1"));

        var byApi = await worker.CallFailingAsync("task_create", new { type = "build", title = "t", priority = 42 });
        Assert.Equal(("validation_failed", 400), ((string?)byApi["code"], (int)byApi["status"]!));
        Assert.Contains("priority", (string?)byApi["detail"]);

        var missing = await worker.CallFailingAsync("task_create", new { type = "build" });
        Assert.Equal("validation_failed", (string?)missing["code"]);
        var wrongType = await worker.CallFailingAsync("task_claim", new { count = "several" });
        Assert.Equal("validation_failed", (string?)wrongType["code"]);
        var noValue = await worker.CallFailingAsync("state_set", new { key = "k" });
        Assert.Equal("validation_failed", (string?)noValue["code"]);
        using var sdk = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        Assert.Equal(0, (await sdk.Tasks.StatsAsync()).Total);
    }

    [Fact]
    public async Task A_tool_needing_another_identity_says_so_with_the_api_code()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        await using var agent = await app.ConnectAsync(swarm.CoordinatorToken);
        await using var tenant = await app.ConnectAsync(RunningApp.TenantKey);

        var create = await agent.CallFailingAsync("swarm_create", new { name = "needs a tenant key" });
        Assert.Equal(("unauthorized", 401), ((string?)create["code"], (int)create["status"]!));
        var swarmTool = await tenant.CallFailingAsync("task_stats");
        Assert.Equal("unauthorized", (string?)swarmTool["code"]);
        Assert.Contains("swarm_join", (string?)swarmTool["detail"]);
    }

    [Fact]
    public async Task The_inbox_and_swarm_resources_read_as_the_caller()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync(name: "resource swarm");
        var workerToken = await app.JoinAsync(swarm, "worker-1");
        using var coordinatorSdk = app.Sdk(swarm.CoordinatorToken, swarm.SwarmId);
        await coordinatorSdk.Messages.SendAsync(new Core.Messaging.SendMessageRequest("worker-1", "please review"));
        await coordinatorSdk.Tasks.CreateAsync(new Core.Tasks.CreateTaskRequest("review", "review the diff"));
        await using var worker = await app.ConnectAsync(workerToken);

        var resources = await worker.ListResourcesAsync();
        Assert.Equal(["coord://inbox", "coord://swarm"], resources.Select(r => r.Uri).Order());

        var inbox = JsonNode.Parse(Text(await worker.ReadResourceAsync("coord://inbox")))!;
        Assert.Equal("please review", (string?)Assert.Single(inbox["items"]!.AsArray())!["content"]);
        var summary = JsonNode.Parse(Text(await worker.ReadResourceAsync("coord://swarm")))!;
        Assert.Equal("resource swarm", (string?)summary["swarm"]!["name"]);
        Assert.Equal(["coordinator", "worker-1"], summary["members"]!.AsArray().Select(m => (string)m!["agentId"]!).Order());
        Assert.Equal(1, (int)summary["tasks"]!["pending"]!);
    }

    private static string Text(ReadResourceResult result) =>
        Assert.IsType<TextResourceContents>(Assert.Single(result.Contents)).Text;
}
