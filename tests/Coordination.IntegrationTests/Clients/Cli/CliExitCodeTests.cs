using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary>Each problem class ends coordctl with its own exit code and prints <c>code: detail</c> on stderr.</summary>
public sealed class CliExitCodeTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Parse_errors_and_validation_problems_exit_2()
    {
        var (swarm, token) = await WorkerAsync("parser");
        using var cli = new Coordctl();

        var missingOption = await cli.RunAsync(["work", "create", "--type", "build"], Env(swarm, token));
        var notANumber = await cli.RunAsync(["work", "claim", "--count", "many"], Env(swarm, token));
        var badJson = await cli.RunAsync(["work", "create", "--type", "build", "--title", "t", "--payload", "{not json"], Env(swarm, token));
        var invalid = await cli.RunAsync(["--json", "work", "claim", "--count", "50"], Env(swarm, token));

        Assert.True(missingOption.ExitCode == 2, missingOption.ToString());
        Assert.Contains("--title", missingOption.Stderr);
        Assert.True(notANumber.ExitCode == 2, notANumber.ToString());
        Assert.True(badJson.ExitCode == 2, badJson.ToString());
        Assert.StartsWith("usage: --payload is not valid JSON", badJson.Stderr);
        Assert.True(invalid.ExitCode == 2, invalid.ToString());
        Assert.StartsWith("validation_failed: ", invalid.Stderr);
        var problem = JsonNode.Parse(invalid.Stdout)!;
        Assert.Equal("validation_failed", (string)problem["code"]!);
        Assert.Equal(400, (int)problem["status"]!);
    }

    [Fact]
    public async Task A_missing_task_or_another_swarm_exits_3()
    {
        var (swarm, token) = await WorkerAsync("finder");
        using var cli = new Coordctl();

        var missingTask = await cli.RunAsync(["work", "renew", "task_doesnotexist", "--lease-id", "lease_x"], Env(swarm, token));
        var otherSwarm = await cli.RunAsync(["--swarm", "swarm_doesnotexist", "work", "stats"], Env(swarm, token));

        Assert.True(missingTask.ExitCode == 3, missingTask.ToString());
        Assert.StartsWith("not_found: ", missingTask.Stderr);
        Assert.True(otherSwarm.ExitCode == 3, otherSwarm.ToString());
    }

    [Fact]
    public async Task A_lock_held_by_another_agent_exits_4_with_the_holder()
    {
        var (swarm, first) = await WorkerAsync("holder");
        var second = await App.JoinAsync(swarm, "waiter");
        using var cli = new Coordctl();

        var acquired = await cli.RunAsync(["--json", "lock", "acquire", "file:src/app.ts", "--ttl", "60"], Env(swarm, first));
        var refused = await cli.RunAsync(["--json", "lock", "acquire", "file:src/app.ts", "--ttl", "60"], Env(swarm, second));

        Assert.True(acquired.ExitCode == 0, acquired.ToString());
        Golden.AssertMatches("lock-acquire", acquired.Stdout);
        Assert.True(refused.ExitCode == 4, refused.ToString());
        Golden.AssertMatches("lock-acquire-held", refused.Stdout);
        Assert.StartsWith("lock_held: file:src/app.ts is held by holder", refused.Stderr);
    }

    [Fact]
    public async Task Completing_with_a_stale_lease_exits_4_lease_lost()
    {
        var (swarm, token) = await WorkerAsync("stale");
        using var cli = new Coordctl();
        Assert.Equal(0, (await cli.RunAsync(["work", "create", "--type", "t", "--title", "one"], Env(swarm, token))).ExitCode);
        var claim = await cli.RunAsync(["--json", "work", "claim"], Env(swarm, token));
        var claimed = JsonNode.Parse(claim.Stdout)!["items"]![0]!;
        var (taskId, staleLease) = ((string)claimed["taskId"]!, (string)claimed["leaseId"]!);
        Assert.Equal(0, (await cli.RunAsync(["work", "release", taskId, "--reason", "not now"], Env(swarm, token))).ExitCode);
        Assert.Equal(0, (await cli.RunAsync(["work", "claim"], Env(swarm, token))).ExitCode);   // a new lease on the same task

        var stale = await cli.RunAsync(["--json", "work", "complete", taskId, "--lease-id", staleLease], Env(swarm, token));

        Assert.True(stale.ExitCode == 4, stale.ToString());
        Assert.StartsWith("lease_lost: ", stale.Stderr);
        Assert.Equal("lease_lost", (string)JsonNode.Parse(stale.Stdout)!["code"]!);
    }

    [Fact]
    public async Task A_bad_token_exits_5()
    {
        var (swarm, _) = await WorkerAsync("nobody");
        using var cli = new Coordctl();

        var result = await cli.RunAsync(["work", "stats"], Env(swarm, "ct_not_a_real_token"));

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.StartsWith("unauthorized: ", result.Stderr);
    }

    [Fact]
    public async Task An_unreachable_service_exits_6()
    {
        using var cli = new Coordctl();
        var closed = Coordctl.ClosedPort();

        var result = await cli.RunAsync(["--json", "--url", $"http://127.0.0.1:{closed}/", "--token", "ct_x", "--swarm", "swarm_x", "work", "stats"]);

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.StartsWith("unavailable: ", result.Stderr);
        Assert.Equal("unavailable", (string)JsonNode.Parse(result.Stdout)!["code"]!);
    }

    private async Task<(TestSwarm Swarm, string Token)> WorkerAsync(string agentId)
    {
        var swarm = await App.CreateSwarmAsync();
        return (swarm, await App.JoinAsync(swarm, agentId));
    }

    private Dictionary<string, string> Env(TestSwarm swarm, string token) => new()
    {
        ["COORD_URL"] = App.BaseAddress.ToString(),
        ["COORD_TOKEN"] = token,
        ["COORD_SWARM"] = swarm.SwarmId,
    };
}
