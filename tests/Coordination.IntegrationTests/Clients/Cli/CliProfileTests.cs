using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary>The profile <c>swarm join</c> writes: owner-only, used when nothing else is given, overridden by env and flags.</summary>
public sealed class CliProfileTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Join_writes_an_owner_only_profile_that_later_calls_use()
    {
        var swarm = await App.CreateSwarmAsync();
        using var cli = new Coordctl();

        var joined = await cli.RunAsync(["--url", App.BaseAddress.ToString(), "--swarm", swarm.SwarmId, "swarm", "join", swarm.JoinCode, "--agent-id", "p1"]);

        Assert.True(joined.ExitCode == 0, joined.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, Coordctl.ModeOf(cli.ProfilePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, Coordctl.ModeOf(Path.GetDirectoryName(cli.ProfilePath)!));
        var profile = JsonNode.Parse(File.ReadAllText(cli.ProfilePath))!;
        Assert.Equal(App.BaseAddress.ToString(), (string)profile["url"]!);
        Assert.Equal(swarm.SwarmId, (string)profile["swarmId"]!);
        Assert.Equal("p1", (string)profile["agentId"]!);
        Assert.Equal("worker", (string)profile["role"]!);
        Assert.StartsWith("ct_", (string)profile["token"]!);
        Assert.True(DateTimeOffset.Parse((string)profile["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);

        var members = await cli.RunAsync(["--json", "swarm", "members"]);

        Assert.True(members.ExitCode == 0, members.ToString());
        Assert.Contains(JsonNode.Parse(members.Stdout)!["items"]!.AsArray(), m => (string)m!["agentId"]! == "p1");
    }

    [Fact]
    public async Task Environment_overrides_the_profile_and_flags_override_both()
    {
        var swarm = await App.CreateSwarmAsync();
        using var cli = new Coordctl();
        var joined = await cli.RunAsync(["--url", App.BaseAddress.ToString(), "--swarm", swarm.SwarmId, "swarm", "join", swarm.JoinCode, "--agent-id", "p2"]);
        Assert.True(joined.ExitCode == 0, joined.ToString());

        var badTokenInEnvironment = await cli.RunAsync(["work", "stats"], new Dictionary<string, string> { ["COORD_TOKEN"] = "ct_bogus" });
        var otherSwarmFlag = await cli.RunAsync(["--swarm", "swarm_elsewhere", "work", "stats"]);
        var flagOverEnvironment = await cli.RunAsync(["--swarm", swarm.SwarmId, "work", "stats"], new Dictionary<string, string> { ["COORD_SWARM"] = "swarm_elsewhere" });
        var unreachableUrlFlag = await cli.RunAsync(["--url", $"http://127.0.0.1:{Coordctl.ClosedPort()}/", "work", "stats"]);

        Assert.True(badTokenInEnvironment.ExitCode == 5, badTokenInEnvironment.ToString());
        Assert.True(otherSwarmFlag.ExitCode == 3, otherSwarmFlag.ToString());
        Assert.True(flagOverEnvironment.ExitCode == 0, flagOverEnvironment.ToString());
        Assert.True(unreachableUrlFlag.ExitCode == 6, unreachableUrlFlag.ToString());
    }

    [Fact]
    public async Task Leave_removes_the_member_revokes_its_token_and_deletes_the_profile()
    {
        var swarm = await App.CreateSwarmAsync();
        using var cli = new Coordctl();
        var joined = await cli.RunAsync(["--json", "--url", App.BaseAddress.ToString(), "--swarm", swarm.SwarmId, "swarm", "join", swarm.JoinCode, "--agent-id", "p3"]);
        var token = (string)JsonNode.Parse(joined.Stdout)!["token"]!;

        var left = await cli.RunAsync(["swarm", "leave"]);

        Assert.True(left.ExitCode == 0, left.ToString());
        Assert.False(File.Exists(cli.ProfilePath));
        var afterwards = await cli.RunAsync(["--url", App.BaseAddress.ToString(), "--swarm", swarm.SwarmId, "--token", token, "work", "stats"]);
        Assert.True(afterwards.ExitCode == 5, afterwards.ToString());
        var noProfile = await cli.RunAsync(["work", "stats"]);
        Assert.True(noProfile.ExitCode == 2, noProfile.ToString());
    }
}
