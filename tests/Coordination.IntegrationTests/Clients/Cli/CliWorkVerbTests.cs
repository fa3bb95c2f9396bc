using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coordination.IntegrationTests.Clients.Mcp;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary>One app per class whose clock a test moves forward (stuck claims for <c>work recover</c>).</summary>
public sealed class ShiftableClockAppFixture : IAsyncLifetime
{
    /// <summary>The app's clock.</summary>
    public ShiftableClock Clock { get; } = new();

    /// <summary>The running app.</summary>
    public RunningApp App { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => App = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(Clock));

    /// <inheritdoc />
    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// <c>work renew|release|fail|list|events|recover</c>, <c>swarm get</c> and <c>events query</c>, by agents that joined
/// with coordctl; the lease verbs present the lease <c>work claim</c> remembered.
/// </summary>
public sealed class CliWorkVerbTests(ShiftableClockAppFixture fixture) : IClassFixture<ShiftableClockAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Renew_extends_the_lease_and_release_returns_the_task_to_pending()
    {
        var swarm = await App.CreateSwarmAsync();
        using var cli = await App.JoinWithCliAsync(swarm, "renewer");
        var taskId = (string)(await cli.JsonAsync("work", "create", "--type", "build", "--title", "compile"))["taskId"]!;
        var claimed = (await cli.JsonAsync("work", "claim", "--lease-seconds", "30"))["items"]![0]!;

        var renew = await cli.RunAsync(["--json", "work", "renew", taskId, "--lease-seconds", "600"]);
        Assert.True(renew.ExitCode == 0, renew.ToString());
        Golden.AssertMatches("work-renew", renew.Stdout);
        var renewed = JsonNode.Parse(renew.Stdout)!;
        Assert.Equal((string)claimed["leaseId"]!, (string)renewed["leaseId"]!);
        var until = CliAgents.Time(renewed["leaseExpiresAt"]);
        Assert.True(until >= CliAgents.Time(claimed["leaseExpiresAt"]).AddSeconds(500), $"{until} is not ~570 s past {claimed["leaseExpiresAt"]}");
        var listed = Assert.Single((await cli.JsonAsync("work", "list", "--status", "claimed"))["items"]!.AsArray());
        Assert.Equal(taskId, (string)listed!["taskId"]!);
        Assert.Equal(until, CliAgents.Time(listed["leaseExpiresAt"]));

        var release = await cli.RunAsync(["--json", "work", "release", taskId, "--reason", "handing over"]);
        Assert.True(release.ExitCode == 0, release.ToString());
        Golden.AssertMatches("work-release", release.Stdout);
        Assert.False(File.Exists(Path.ChangeExtension(cli.ProfilePath, ".leases.json")), "a released task's lease is forgotten");
        var pending = Assert.Single((await cli.JsonAsync("work", "list", "--status", "pending"))["items"]!.AsArray());
        Assert.Equal(taskId, (string)pending!["taskId"]!);
        Assert.Null(pending["owner"]);
        Assert.Empty((await cli.JsonAsync("work", "list", "--status", "claimed"))["items"]!.AsArray());
        var reclaimed = (await cli.JsonAsync("work", "claim"))["items"]!.AsArray();
        Assert.Equal([taskId], reclaimed.Select(t => (string)t!["taskId"]!));
        Assert.Equal(2, (int)reclaimed[0]!["attempts"]!);   // each claim is an attempt (api.md): the release did not give it back
    }

    [Fact]
    public async Task A_retryable_failure_requeues_and_a_final_one_shows_in_the_failed_list()
    {
        var swarm = await App.CreateSwarmAsync();
        using var cli = await App.JoinWithCliAsync(swarm, "failer");
        var taskId = (string)(await cli.JsonAsync("work", "create", "--type", "flaky", "--title", "network test", "--max-attempts", "3"))["taskId"]!;
        Assert.Single((await cli.JsonAsync("work", "claim"))["items"]!.AsArray());

        var retry = await cli.JsonAsync("work", "fail", taskId, "--error", "timeout");
        Assert.Equal("pending", (string)retry["status"]!);
        Assert.Equal("timeout", (string)retry["lastError"]!);
        Assert.Single((await cli.JsonAsync("work", "claim"))["items"]!.AsArray());
        var fail = await cli.RunAsync(["--json", "work", "fail", taskId, "--error", "disk full", "--retryable", "false"]);
        Assert.True(fail.ExitCode == 0, fail.ToString());
        Golden.AssertMatches("work-fail", fail.Stdout);

        var failed = Assert.Single((await cli.JsonAsync("work", "list", "--status", "failed"))["items"]!.AsArray());
        Assert.Equal(taskId, (string)failed!["taskId"]!);
        Assert.Equal("disk full", (string)failed["lastError"]!);
        Assert.Empty((await cli.JsonAsync("work", "list", "--status", "pending"))["items"]!.AsArray());
        var table = await cli.RunAsync(["work", "list", "--status", "failed"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches($@"│ {taskId} +│ flaky +│ network test +│ failed +│ 5 +│ +│ 2/3 +│", table.Stdout);
    }

    [Fact]
    public async Task Recover_lists_then_requeues_a_claim_held_past_the_threshold_and_needs_a_coordinator()
    {
        var swarm = await App.CreateSwarmAsync();
        using var lead = await App.JoinWithCliAsync(swarm, "lead", role: "coordinator");
        using var worker = await App.JoinWithCliAsync(swarm, "stuck");
        var taskId = (string)(await worker.JsonAsync("work", "create", "--type", "long", "--title", "hangs"))["taskId"]!;
        Assert.Single((await worker.JsonAsync("work", "claim", "--lease-seconds", "3600"))["items"]!.AsArray());

        Assert.Empty((await lead.JsonAsync("work", "recover", "--stuck-threshold-minutes", "5", "--dry-run"))["tasks"]!.AsArray());
        fixture.Clock.Advance(TimeSpan.FromMinutes(6));
        var dryRun = await lead.JsonAsync("work", "recover", "--stuck-threshold-minutes", "5", "--dry-run");
        Assert.True((bool)dryRun["dryRun"]!);
        Assert.Equal([taskId], dryRun["tasks"]!.AsArray().Select(t => (string)t!));
        Assert.Equal([taskId], (await lead.JsonAsync("work", "list", "--status", "claimed"))["items"]!.AsArray().Select(t => (string)t!["taskId"]!));

        var forbidden = await worker.RunAsync(["work", "recover", "--stuck-threshold-minutes", "5"]);
        Assert.True(forbidden.ExitCode == 5, forbidden.ToString());
        var recover = await lead.RunAsync(["work", "recover", "--stuck-threshold-minutes", "5"]);
        Assert.True(recover.ExitCode == 0, recover.ToString());
        Assert.Matches($@"│ recovered +│", recover.Stdout);
        Assert.Matches($@"│ {taskId} +│", recover.Stdout);

        var pending = Assert.Single((await lead.JsonAsync("work", "list", "--status", "pending"))["items"]!.AsArray());
        Assert.Equal(taskId, (string)pending!["taskId"]!);
        Assert.Empty((await lead.JsonAsync("work", "recover", "--stuck-threshold-minutes", "5"))["tasks"]!.AsArray());
    }

    [Fact]
    public async Task Work_events_list_only_the_task_events_in_log_order_from_a_cursor()
    {
        var swarm = await App.CreateSwarmAsync();
        using var cli = await App.JoinWithCliAsync(swarm, "logger");
        var taskId = (string)(await cli.JsonAsync("work", "create", "--type", "build", "--title", "compile"))["taskId"]!;
        Assert.Single((await cli.JsonAsync("work", "claim"))["items"]!.AsArray());
        Assert.Equal("completed", (string)(await cli.JsonAsync("work", "complete", taskId, "--result", """{"ok":true}"""))["status"]!);

        var events = await cli.RunAsync(["--json", "work", "events"]);
        Assert.True(events.ExitCode == 0, events.ToString());
        Golden.AssertMatches("work-events", events.Stdout);
        var items = JsonNode.Parse(events.Stdout)!["items"]!.AsArray();
        Assert.Equal(["task.created", "task.claimed", "task.completed"], items.Select(e => (string)e!["type"]!));
        var afterCreated = await cli.JsonAsync("work", "events", "--cursor", ((long)items[0]!["sequence"]!).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["task.claimed", "task.completed"], afterCreated["items"]!.AsArray().Select(e => (string)e!["type"]!));

        var table = await cli.RunAsync(["work", "events"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"│ \d+ +│ [0-9-]+ [0-9:]+Z +│ task\.completed +│ logger +│", table.Stdout);
    }

    [Fact]
    public async Task Swarm_get_shows_the_codes_to_a_coordinator_only()
    {
        var swarm = await App.CreateSwarmAsync(maxAgents: 7, name: "cli get");
        using var lead = await App.JoinWithCliAsync(swarm, "lead", role: "coordinator");
        using var worker = await App.JoinWithCliAsync(swarm, "reader");

        var asLead = await lead.RunAsync(["--json", "swarm", "get"]);
        Assert.True(asLead.ExitCode == 0, asLead.ToString());
        Golden.AssertMatches("swarm-get", asLead.Stdout);
        Assert.Equal(swarm.JoinCode, (string)JsonNode.Parse(asLead.Stdout)!["joinCode"]!);
        var asWorker = await worker.JsonAsync("swarm", "get");
        Assert.Equal(swarm.SwarmId, (string)asWorker["swarmId"]!);
        Assert.Null(asWorker["joinCode"]);
        Assert.Null(asWorker["coordinatorCode"]);

        var table = await worker.RunAsync(["swarm", "get"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(Row("swarm", swarm.SwarmId), table.Stdout);
        Assert.Matches(Row("name", "cli get"), table.Stdout);
        Assert.Matches(Row("members", "3/7"), table.Stdout);
        Assert.DoesNotContain(swarm.JoinCode, table.Stdout);
    }

    [Fact]
    public async Task Events_query_filters_by_type_and_actor_and_pages_with_the_cursor()
    {
        var swarm = await App.CreateSwarmAsync();
        using var one = await App.JoinWithCliAsync(swarm, "one");
        using var two = await App.JoinWithCliAsync(swarm, "two");
        Assert.Equal(0, (await one.RunAsync(["work", "create", "--type", "a", "--title", "by one"])).ExitCode);
        Assert.Equal(0, (await two.RunAsync(["work", "create", "--type", "b", "--title", "by two"])).ExitCode);
        Assert.Equal(0, (await two.RunAsync(["state", "set", "k", "1"])).ExitCode);

        var created = await one.RunAsync(["--json", "events", "query", "--type", "task.created"]);
        Assert.True(created.ExitCode == 0, created.ToString());
        Golden.AssertMatches("events-query", created.Stdout);
        Assert.Equal(["one", "two"], JsonNode.Parse(created.Stdout)!["items"]!.AsArray().Select(e => (string)e!["actor"]!));
        var byTwo = await one.JsonAsync("events", "query", "--type", "task.created,agent.joined", "--actor", "two");
        Assert.Equal(["agent.joined", "task.created"], byTwo["items"]!.AsArray().Select(e => (string)e!["type"]!));

        var first = await one.JsonAsync("events", "query", "--type", "task.created", "--limit", "1");
        Assert.True((bool)first["hasMore"]!);
        Assert.Equal("one", (string)first["items"]![0]!["actor"]!);
        var next = await one.JsonAsync("events", "query", "--type", "task.created", "--cursor", (string)first["nextCursor"]!);
        Assert.Equal(["two"], next["items"]!.AsArray().Select(e => (string)e!["actor"]!));

        var table = await one.RunAsync(["events", "query", "--type", "agent.joined"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"│ \d+ +│ [0-9-]+ [0-9:]+Z +│ agent\.joined +│ one +│", table.Stdout);
        Assert.Matches(@"│ \d+ +│ [0-9-]+ [0-9:]+Z +│ agent\.joined +│ two +│", table.Stdout);
        Assert.DoesNotContain("task.created", table.Stdout);
    }

    /// <summary>A row of a one-item view: the field, spaces, the value, on a line of its own.</summary>
    private static Regex Row(string field, string value) => new($"(?m)^{Regex.Escape(field)} +{Regex.Escape(value)} *$");
}
