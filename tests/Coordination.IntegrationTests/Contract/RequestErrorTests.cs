using System.Net;
using System.Net.Http.Json;
using System.Text;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Contract;

/// <summary>Each request error names its real cause (the limit, the content type, the field and what it takes) as problem+json.</summary>
public sealed class RequestErrorTests
{
    [Fact]
    public async Task A_missing_content_type_is_415_saying_so_rather_than_blaming_the_method()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);
        using var content = new ByteArrayContent("""{"value":1}"""u8.ToArray());

        using var response = await client.PutAsync($"api/swarms/{swarm.SwarmId}/state/k", content);

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Contains("no Content-Type", (string?)problem["detail"]);
        Assert.DoesNotContain("not supported on", (string?)problem["detail"]);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_naming_its_size_and_the_limit()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);
        var body = "{\"value\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";

        using var response = await client.PutAsync($"api/swarms/{swarm.SwarmId}/state/k", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        Assert.Equal(1024 * 1024, (int)problem["limit"]!);
        Assert.Contains($"is {Encoding.UTF8.GetByteCount(body)} bytes", (string?)problem["detail"]);
    }

    [Fact]
    public async Task A_url_over_the_limit_is_a_414_problem_naming_the_limit()
    {
        await using var app = await RunningApp.StartAsync();

        using var response = await app.Client.GetAsync("api/health?pad=" + new string('a', 20_000));

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.RequestUriTooLong, "uri_too_long");
        Assert.Equal(8192, (int)problem["limit"]!);
    }

    [Fact]
    public async Task A_missing_field_is_named()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();

        using var response = await app.Client.PostAsJsonAsync("api/swarms/join", new { swarmId = swarm.SwarmId, role = "worker" });

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("'joinCode'", (string?)problem["detail"]);
        Assert.Equal("joinCode", (string?)problem["missing"]![0]);
    }

    [Fact]
    public async Task An_unknown_role_lists_the_allowed_roles()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();

        using var response = await app.Client.PostAsJsonAsync("api/swarms/join", new { joinCode = swarm.JoinCode, swarmId = swarm.SwarmId, role = "admin" });

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("$.role", (string?)problem["path"]);
        Assert.Equal(["coordinator", "observer", "worker"], problem["allowed"]!.AsArray().Select(v => (string?)v).Order());
        Assert.Contains("coordinator", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Nesting_deeper_than_the_limit_names_the_depth_limit()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);
        var deep = "{\"value\":" + new string('[', 200) + new string(']', 200) + "}";

        using var response = await client.PutAsync($"api/swarms/{swarm.SwarmId}/state/k", new StringContent(deep, Encoding.UTF8, "application/json"));

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(64, (int)problem["limit"]!);
        Assert.Contains("deeper than 64", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("tasks", """{"type":"t","title":"t","maxAttempts":"3"}""", "maxAttempts")]
    [InlineData("locks", """{"resource":"r","ttl":"30"}""", "ttl")]
    public async Task A_number_sent_as_a_string_is_refused_naming_the_field(string route, string body, string field)
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);

        using var response = await client.PostAsync($"api/swarms/{swarm.SwarmId}/{route}", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("$." + field, (string?)problem["path"]);
        Assert.Contains("an integer", (string?)problem["detail"]);
    }
}
