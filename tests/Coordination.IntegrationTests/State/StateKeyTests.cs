using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.State;

/// <summary>
/// Keys that a URL cannot carry. Clients and servers remove <c>.</c> and <c>..</c> path segments (RFC 3986 §5.2.4),
/// so such a key would silently address another route; the API names the problem instead.
/// </summary>
public sealed class StateKeyTests
{
    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("%2E%2E")]
    [InlineData("%2e")]
    public async Task A_dot_segment_key_in_the_url_is_a_400_naming_the_segment(string segment)
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();

        var (status, body) = await SendRawAsync(app, "PUT", $"/api/swarms/{swarm.SwarmId}/state/{segment}", swarm.CoordinatorToken, """{"value":1}""");

        Assert.Equal(400, status);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal("validation_failed", (string?)problem["code"]);
        Assert.Contains("'.' and '..'", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task A_dot_key_in_a_poll_is_a_400_naming_the_key(string key)
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);

        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/state/poll", new { keys = new[] { "ok", key } });

        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("key", (string?)problem["field"]);
        Assert.Contains("'.' and '..'", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Keys_that_only_contain_dots_among_other_characters_still_work()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        using var client = app.ClientFor(swarm.CoordinatorToken);

        foreach (var key in new[] { "...", ".hidden", "a..b", "v1.2" })
        {
            using var put = await client.PutAsJsonAsync($"api/swarms/{swarm.SwarmId}/state/{Uri.EscapeDataString(key)}", new { value = key });
            await SwarmApi.EnsureAsync(put, HttpStatusCode.OK);
            var read = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/state/{Uri.EscapeDataString(key)}"))!;
            Assert.Equal(key, (string?)read["value"]);
        }
    }

    /// <summary>Sends the request line exactly as given (HttpClient would remove the dot segments before sending).</summary>
    private static async Task<(int Status, string Body)> SendRawAsync(RunningApp app, string method, string target, string bearer, string json)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(app.BaseAddress.Host, app.BaseAddress.Port);
        var stream = tcp.GetStream();
        var payload = Encoding.UTF8.GetBytes(json);
        var head = $"{method} {target} HTTP/1.1\r\nHost: {app.BaseAddress.Authority}\r\nAuthorization: Bearer {bearer}\r\n" +
                   $"Content-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(payload);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        // A chunked body carries chunk sizes around the JSON; the problem object is what sits between its braces.
        body = body.Contains('{', StringComparison.Ordinal) ? body[body.IndexOf('{', StringComparison.Ordinal)..(body.LastIndexOf('}') + 1)] : body;
        return (status, body);
    }
}
