using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary>coordctl as a person or script uses it: a whole session from the profile alone, and following the log.</summary>
public sealed class CliSessionTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task A_full_session_creates_joins_claims_completes_and_counts_with_golden_json_outputs()
    {
        using var cli = new Coordctl();
        var url = App.BaseAddress.ToString();
        var coordinatorProfile = new Dictionary<string, string> { ["COORD_PROFILE"] = Path.Combine(cli.Home, "coordinator.json") };

        var created = await cli.RunAsync(["--url", url, "--token", RunningApp.TenantKey, "--json", "swarm", "create", "cli session",
            "--goal", "ship it", "--max-agents", "5", "--coordinator-id", "boss"], coordinatorProfile);
        Assert.True(created.ExitCode == 0, created.ToString());
        Golden.AssertMatches("swarm-create", created.Stdout);
        var swarm = JsonNode.Parse(created.Stdout)!;
        Assert.True(File.Exists(coordinatorProfile["COORD_PROFILE"]), "create saves the coordinator's profile");

        var joined = await cli.RunAsync(["--url", url, "--swarm", (string)swarm["swarmId"]!, "--json", "swarm", "join", (string)swarm["joinCode"]!,
            "--role", "worker", "--agent-id", "w1", "--name", "Worker One", "--capabilities", "build,test"]);
        Assert.True(joined.ExitCode == 0, joined.ToString());
        Golden.AssertMatches("swarm-join", joined.Stdout);

        // From here on the profile alone says where, who and which swarm.
        var task = await cli.RunAsync(["--json", "work", "create", "--type", "build", "--title", "compile", "--payload", """{"target":"app"}""", "--priority", "high"]);
        Assert.True(task.ExitCode == 0, task.ToString());
        Golden.AssertMatches("work-create", task.Stdout);
        var taskId = (string)JsonNode.Parse(task.Stdout)!["taskId"]!;

        var claim = await cli.RunAsync(["--json", "work", "claim", "--type", "build", "--lease-seconds", "60"]);
        Assert.True(claim.ExitCode == 0, claim.ToString());
        Golden.AssertMatches("work-claim", claim.Stdout);
        Assert.Equal(taskId, (string)JsonNode.Parse(claim.Stdout)!["items"]![0]!["taskId"]!);
        var leases = Path.ChangeExtension(cli.ProfilePath, ".leases.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, Coordctl.ModeOf(leases));

        var complete = await cli.RunAsync(["--json", "work", "complete", taskId, "--result", """{"ok":true}"""]);
        Assert.True(complete.ExitCode == 0, complete.ToString());
        Golden.AssertMatches("work-complete", complete.Stdout);
        Assert.False(File.Exists(leases), "a settled task's lease is forgotten");

        var stats = await cli.RunAsync(["--json", "work", "stats"]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        Golden.AssertMatches("work-stats", stats.Stdout);

        var members = await cli.RunAsync(["--json", "swarm", "members"]);
        Assert.True(members.ExitCode == 0, members.ToString());
        Golden.AssertMatches("swarm-members", members.Stdout);

        var table = await cli.RunAsync(["work", "stats"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("completed", table.Stdout);
        Assert.Contains("│ 0       │ 0       │ 0       │ 1         │", table.Stdout);
    }

    [Fact]
    public async Task Events_tail_stops_after_count_events_in_log_order()
    {
        var swarm = await App.CreateSwarmAsync();
        var token = await App.JoinAsync(swarm, "tailer");
        using var cli = new Coordctl();

        var tail = await cli.RunAsync(["--json", "events", "tail", "--count", "2", "--timeout", "30"], AgentEnvironment(swarm, token));

        Assert.True(tail.ExitCode == 0, tail.ToString());
        Assert.Equal(2, tail.Lines.Length);
        Golden.AssertMatches("events-tail", new JsonArray(tail.Lines.Select(line => JsonNode.Parse(line)).ToArray()).ToJsonString());
    }

    [Fact]
    public async Task Events_tail_without_enough_events_ends_at_its_timeout_with_exit_1()
    {
        var swarm = await App.CreateSwarmAsync();
        var token = await App.JoinAsync(swarm, "waiter");
        using var cli = new Coordctl();

        var tail = await cli.RunAsync(["--json", "events", "tail", "--count", "5", "--timeout", "2"], AgentEnvironment(swarm, token));

        Assert.True(tail.ExitCode == 1, tail.ToString());
        Assert.Equal(3, tail.Lines.Length);   // swarm.created, agent.joined (the creator), agent.joined (the waiter)
        Assert.Contains("timeout: 3 of 5 events", tail.Stderr);
    }

    [Fact]
    public async Task Events_tail_prints_an_event_as_it_arrives_and_ends_with_exit_0_on_ctrl_c()
    {
        var swarm = await App.CreateSwarmAsync();
        var token = await App.JoinAsync(swarm, "watcher");
        using var cli = new Coordctl();
        using var tail = cli.Start(["--json", "events", "tail", "--cursor", "3"], AgentEnvironment(swarm, token));
        await Task.Delay(TimeSpan.FromSeconds(1));   // let it connect; an event sent before that arrives anyway (the stream resumes after 3)

        using var client = App.ClientFor(token);
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/events", new { type = "deploy_started", data = new { build = 7 } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var line = JsonNode.Parse(await tail.NextLineAsync(TimeSpan.FromSeconds(30)))!;
        Assert.Equal("deploy_started", (string)line["type"]!);
        Assert.Equal(7, (int)line["data"]!["build"]!);
        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", tail.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }
        var ended = await tail.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(ended.ExitCode == 0, ended.ToString());
    }

    private Dictionary<string, string> AgentEnvironment(TestSwarm swarm, string token) => new()
    {
        ["COORD_URL"] = App.BaseAddress.ToString(),
        ["COORD_TOKEN"] = token,
        ["COORD_SWARM"] = swarm.SwarmId,
    };
}
