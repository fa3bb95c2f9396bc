using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary><c>work bulk</c>: JSON lines or an array, 100 tasks per call, quiet when piped, nothing sent when an item is bad.</summary>
public sealed class CliBulkTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Bulk_from_stdin_sends_chunks_of_100_and_prints_no_progress_when_piped()
    {
        var (env, cli) = await WorkerAsync();
        using var _ = cli;
        var lines = string.Join('\n', Enumerable.Range(1, 250).Select(i => $$$"""{"type":"index","title":"page {{{i}}}","payload":{"page":{{{i}}}}}""")) + "\n";

        var quiet = await cli.RunAsync(["work", "bulk"], env, stdin: lines);
        var json = await cli.RunAsync(["--json", "work", "bulk"], env, stdin: lines);

        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        Assert.Equal("created 250 tasks in 3 calls\n", quiet.Stdout);
        Assert.Equal("", quiet.Stderr);
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal("", json.Stderr);
        var chunks = json.Lines.Select(l => JsonNode.Parse(l)!["tasks"]!.AsArray()).ToList();
        Assert.Equal([100, 100, 50], chunks.Select(c => c.Count));
        Assert.Equal(Enumerable.Range(1, 250).Select(i => $"page {i}"), chunks.SelectMany(c => c).Select(t => (string)t!["title"]!));
        Assert.Equal(500, await TotalAsync(cli, env));
    }

    [Fact]
    public async Task Bulk_reads_a_json_array_from_a_file()
    {
        var (env, cli) = await WorkerAsync();
        using var _ = cli;
        var file = Path.Combine(cli.Home, "tasks.json");
        File.WriteAllText(file, new JsonArray(Enumerable.Range(1, 120).Select(i => (JsonNode)new JsonObject { ["type"] = "t", ["title"] = $"n{i}" }).ToArray()).ToJsonString());

        var result = await cli.RunAsync(["--json", "work", "bulk", "--file", file], env);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.Lines.Length);
        Assert.Equal(120, await TotalAsync(cli, env));
    }

    [Fact]
    public async Task Bulk_with_a_bad_line_exits_2_and_creates_nothing()
    {
        var (env, cli) = await WorkerAsync();
        using var _ = cli;
        var lines = string.Join('\n', Enumerable.Range(1, 150).Select(i => i == 120 ? """{"type":"t"}""" : $$"""{"type":"t","title":"n{{i}}"}"""));

        var result = await cli.RunAsync(["work", "bulk"], env, stdin: lines);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("line 120", result.Stderr);
        Assert.Equal(0, await TotalAsync(cli, env));
    }

    private static async Task<int> TotalAsync(Coordctl cli, Dictionary<string, string> env)
    {
        var stats = await cli.RunAsync(["--json", "work", "stats"], env);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        return (int)JsonNode.Parse(stats.Stdout)!["total"]!;
    }

    private async Task<(Dictionary<string, string> Env, Coordctl Cli)> WorkerAsync()
    {
        var swarm = await App.CreateSwarmAsync();
        var token = await App.JoinAsync(swarm, "loader");
        var env = new Dictionary<string, string> { ["COORD_URL"] = App.BaseAddress.ToString(), ["COORD_TOKEN"] = token, ["COORD_SWARM"] = swarm.SwarmId };
        return (env, new Coordctl());
    }
}
