using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary><c>state get|set|incr|delete|poll</c> and <c>lock list|renew|release</c>, by agents that joined with coordctl.</summary>
public sealed class CliStateLockTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task State_set_get_incr_and_delete_keep_versions_and_a_stale_if_version_exits_4()
    {
        var swarm = await App.CreateSwarmAsync();
        using var cli = await App.JoinWithCliAsync(swarm, "keeper");

        var set = await cli.RunAsync(["--json", "state", "set", "build/last", """{"ok":true,"n":1}"""]);
        Assert.True(set.ExitCode == 0, set.ToString());
        Golden.AssertMatches("state-set", set.Stdout);
        var read = await cli.JsonAsync("state", "get", "build/last");
        Assert.Equal(1, (long)read["version"]!);
        Assert.True((bool)read["value"]!["ok"]!);

        var swapped = await cli.JsonAsync("state", "set", "build/last", """{"ok":false}""", "--if-version", "1");
        Assert.Equal(2, (long)swapped["version"]!);
        var stale = await cli.RunAsync(["--json", "state", "set", "build/last", """{"ok":"stale"}""", "--if-version", "1"]);
        Assert.True(stale.ExitCode == 4, stale.ToString());
        Assert.StartsWith("version_conflict: ", stale.Stderr);
        Assert.Equal("version_conflict", (string)JsonNode.Parse(stale.Stdout)!["code"]!);
        var afterStale = await cli.JsonAsync("state", "get", "build/last");
        Assert.Equal(2, (long)afterStale["version"]!);
        Assert.False((bool)afterStale["value"]!["ok"]!);

        Assert.Equal(5, (long)(await cli.JsonAsync("state", "incr", "builds", "--delta", "5"))["value"]!);
        var incremented = await cli.JsonAsync("state", "incr", "builds");
        Assert.Equal(6, (long)incremented["value"]!);
        Assert.Equal(2, (long)incremented["version"]!);

        var deleted = await cli.RunAsync(["--json", "state", "delete", "build/last"]);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Golden.AssertMatches("state-delete", deleted.Stdout);
        var gone = await cli.RunAsync(["state", "get", "build/last"]);
        Assert.True(gone.ExitCode == 3, gone.ToString());
        Assert.StartsWith("not_found: ", gone.Stderr);

        var table = await cli.RunAsync(["state", "get", "builds"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(Row("key", "builds"), table.Stdout);
        Assert.Matches(Row("value", "6"), table.Stdout);
        Assert.Matches(Row("version", "2"), table.Stdout);
        Assert.Matches(Row("by", "keeper"), table.Stdout);
    }

    [Fact]
    public async Task State_poll_returns_a_change_another_agent_makes_while_it_waits()
    {
        var swarm = await App.CreateSwarmAsync();
        using var watcher = await App.JoinWithCliAsync(swarm, "watcher");
        using var writer = await App.JoinWithCliAsync(swarm, "writer");
        Assert.Equal(1, (long)(await writer.JsonAsync("state", "set", "mode", "\"slow\""))["version"]!);

        var unchanged = await watcher.RunAsync(["state", "poll", "mode", "--last-versions", "mode=1"]);
        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Equal("", unchanged.Stdout);
        Assert.Contains("no change", unchanged.Stderr);

        var elapsed = Stopwatch.StartNew();
        using var poll = watcher.Start(["--json", "state", "poll", "mode", "other", "--last-versions", "mode=1", "--wait", "30"]);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2, (long)(await writer.JsonAsync("state", "set", "mode", "\"fast\""))["version"]!);
        var result = await poll.WaitAsync(TimeSpan.FromSeconds(45));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(20), $"the poll ended at its wait, not at the change ({elapsed.Elapsed})");
        var changed = Assert.Single(JsonNode.Parse(result.Stdout)!["changed"]!.AsArray());
        Assert.Equal("mode", (string)changed!["key"]!);
        Assert.Equal(2, (long)changed["version"]!);
        Assert.Equal("fast", (string)changed["value"]!);
        Assert.Equal("writer", (string)changed["updatedBy"]!);

        var table = await watcher.RunAsync(["state", "poll", "mode", "--last-versions", "mode=1"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"│ mode +│ 2 +│ no +│ fast +│", table.Stdout);
    }

    [Fact]
    public async Task Lock_renew_extends_the_expiry_and_release_lets_another_agent_acquire()
    {
        var swarm = await App.CreateSwarmAsync();
        using var first = await App.JoinWithCliAsync(swarm, "first");
        using var second = await App.JoinWithCliAsync(swarm, "second");
        var acquired = await first.JsonAsync("lock", "acquire", "file:src/app.ts", "--ttl", "30");
        var claimId = (string)acquired["claimId"]!;

        var renew = await first.RunAsync(["--json", "lock", "renew", claimId, "--ttl", "600"]);
        Assert.True(renew.ExitCode == 0, renew.ToString());
        Golden.AssertMatches("lock-renew", renew.Stdout);
        var renewedUntil = CliAgents.Time(JsonNode.Parse(renew.Stdout)!["expiresAt"]);
        Assert.True(renewedUntil >= CliAgents.Time(acquired["expiresAt"]).AddSeconds(500), $"{renewedUntil} is not ~570 s past {acquired["expiresAt"]}");

        var list = await second.RunAsync(["--json", "lock", "list", "--resource", "file:src/app.ts"]);
        Assert.True(list.ExitCode == 0, list.ToString());
        Golden.AssertMatches("lock-list", list.Stdout);
        var held = Assert.Single(JsonNode.Parse(list.Stdout)!["locks"]!.AsArray());
        Assert.Equal(claimId, (string)held!["claimId"]!);
        Assert.Equal(renewedUntil, CliAgents.Time(held["expiresAt"]));
        var table = await second.RunAsync(["lock", "list"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches($@"│ file:src/app\.ts +│ {claimId} +│ first +│ 1 +│", table.Stdout);

        var refused = await second.RunAsync(["lock", "acquire", "file:src/app.ts", "--ttl", "30"]);
        Assert.True(refused.ExitCode == 4, refused.ToString());
        var notHolder = await second.RunAsync(["lock", "release", claimId]);
        Assert.True(notHolder.ExitCode == 4, notHolder.ToString());

        var release = await first.RunAsync(["lock", "release", claimId]);
        Assert.True(release.ExitCode == 0, release.ToString());
        Assert.Equal("", release.Stdout);
        Assert.Equal($"released {claimId}\n", release.Stderr);
        Assert.Empty((await second.JsonAsync("lock", "list"))["locks"]!.AsArray());
        var taken = await second.JsonAsync("lock", "acquire", "file:src/app.ts", "--ttl", "30");
        Assert.True((bool)taken["acquired"]!);
        Assert.Equal(2, (long)taken["fencingToken"]!);
        var renewReleased = await first.RunAsync(["lock", "renew", claimId]);
        Assert.True(renewReleased.ExitCode == 4, renewReleased.ToString());
        Assert.StartsWith("lease_lost: ", renewReleased.Stderr);
    }

    /// <summary>A row of a one-item view: the field, spaces, the value, on a line of its own.</summary>
    private static Regex Row(string field, string value) => new($"(?m)^{Regex.Escape(field)} +{Regex.Escape(value)} *$");
}
