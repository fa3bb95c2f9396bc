using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coordination.IntegrationTests.Clients.Mcp;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary><c>msg send|inbox|get|ack|thread</c> and <c>agent heartbeat|presence|capabilities</c>, between agents that joined with coordctl.</summary>
public sealed class CliMessagingTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task A_message_is_sent_read_from_the_inbox_acknowledged_and_answered_in_its_thread()
    {
        var swarm = await App.CreateSwarmAsync();
        using var alice = await App.JoinWithCliAsync(swarm, "alice");
        using var bob = await App.JoinWithCliAsync(swarm, "bob");

        var send = await alice.RunAsync(["--json", "msg", "send", "bob", "build is green", "--subject", "status", "--priority", "4", "--payload", """{"build":7}"""]);
        Assert.True(send.ExitCode == 0, send.ToString());
        Golden.AssertMatches("msg-send", send.Stdout);
        var messageId = (string)JsonNode.Parse(send.Stdout)!["messageId"]!;
        Assert.Equal("status", (string)JsonNode.Parse(send.Stdout)!["subject"]!);

        var inbox = await bob.JsonAsync("msg", "inbox", "--status", "pending");
        var mine = Assert.Single(inbox["items"]!.AsArray());
        Assert.Equal(messageId, (string)mine!["messageId"]!);
        Assert.Equal("alice", (string)mine["from"]!);
        Assert.Equal("build is green", (string)mine["content"]!);
        Assert.Equal(7, (int)mine["payload"]!["build"]!);

        var read = await bob.JsonAsync("msg", "get", messageId);
        Assert.Equal("delivered", (string)read["status"]!);   // reading the inbox delivered it

        var ack = await bob.RunAsync(["--json", "msg", "ack", messageId]);
        Assert.True(ack.ExitCode == 0, ack.ToString());
        Golden.AssertMatches("msg-ack", ack.Stdout);
        using (var sdk = App.Sdk((string)JsonNode.Parse(File.ReadAllText(bob.ProfilePath))!["token"]!, swarm.SwarmId))
        {
            var seen = await sdk.Messages.GetAsync(messageId);
            Assert.Equal("acknowledged", seen.Status);
            Assert.NotNull(seen.AcknowledgedAt);
        }
        Assert.Empty((await bob.JsonAsync("msg", "inbox", "--status", "pending"))["items"]!.AsArray());
        Assert.Equal([messageId], (await bob.JsonAsync("msg", "inbox", "--status", "acknowledged"))["items"]!.AsArray().Select(m => (string)m!["messageId"]!));

        var reply = await bob.JsonAsync("msg", "send", "alice", "thanks", "--parent-message-id", messageId);
        Assert.Equal(messageId, (string)reply["threadId"]!);
        Assert.Equal(messageId, (string)reply["parentMessageId"]!);

        var thread = await alice.RunAsync(["--json", "msg", "thread", messageId]);
        Assert.True(thread.ExitCode == 0, thread.ToString());
        Golden.AssertMatches("msg-thread", thread.Stdout);
        var items = JsonNode.Parse(thread.Stdout)!["items"]!.AsArray();
        Assert.Equal([messageId, (string)reply["messageId"]!], items.Select(m => (string)m!["messageId"]!));

        var table = await bob.RunAsync(["msg", "get", messageId]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(Row("message", messageId), table.Stdout);
        Assert.Matches(Row("from", "alice"), table.Stdout);
        Assert.Matches(Row("content", "build is green"), table.Stdout);
        Assert.Matches(Row("payload", """{"build":7}"""), table.Stdout);
        Assert.Matches(Row("status", "acknowledged"), table.Stdout);
        var threadTable = await alice.RunAsync(["msg", "thread", messageId]);
        Assert.True(threadTable.ExitCode == 0, threadTable.ToString());
        Assert.Contains("│ thanks ", threadTable.Stdout);
        Assert.Contains("│ build is green ", threadTable.Stdout);
    }

    [Fact]
    public async Task Getting_or_acknowledging_a_message_that_does_not_exist_exits_3()
    {
        var swarm = await App.CreateSwarmAsync();
        using var carol = await App.JoinWithCliAsync(swarm, "carol");

        var get = await carol.RunAsync(["msg", "get", "msg_doesnotexist"]);
        var ack = await carol.RunAsync(["msg", "ack", "msg_doesnotexist"]);

        Assert.True(get.ExitCode == 3, get.ToString());
        Assert.StartsWith("not_found: ", get.Stderr);
        Assert.True(ack.ExitCode == 3, ack.ToString());
    }

    [Fact]
    public async Task A_heartbeat_sets_status_and_capabilities_that_presence_and_capabilities_find()
    {
        var swarm = await App.CreateSwarmAsync();
        using var gpu = await App.JoinWithCliAsync(swarm, "gpu-1");
        using var other = await App.JoinWithCliAsync(swarm, "other");

        var beat = await gpu.RunAsync(["--json", "agent", "heartbeat", "--status", "busy", "--capabilities", "gpu,python", "--metadata", """{"host":"ci-3"}"""]);
        Assert.True(beat.ExitCode == 0, beat.ToString());
        Golden.AssertMatches("agent-heartbeat", beat.Stdout);

        var capabilities = await other.JsonAsync("agent", "capabilities", "--capability", "gpu");
        var found = Assert.Single(capabilities["items"]!.AsArray());
        Assert.Equal("gpu-1", (string)found!["agentId"]!);
        Assert.Equal(["gpu", "python"], found["capabilities"]!.AsArray().Select(c => (string)c!));
        var everyone = await other.JsonAsync("agent", "capabilities");
        var everyoneIds = everyone["items"]!.AsArray().Select(m => (string)m!["agentId"]!).ToList();
        Assert.Contains("gpu-1", everyoneIds);
        Assert.Contains("other", everyoneIds);   // and the swarm's creator: capabilities lists every member

        var byCapability = await other.JsonAsync("agent", "presence", "--capability", "gpu");
        Assert.Equal(["gpu-1"], byCapability["items"]!.AsArray().Select(m => (string)m!["agentId"]!));
        Assert.Empty((await other.JsonAsync("agent", "presence", "--capability", "cobol"))["items"]!.AsArray());
        var one = await other.JsonAsync("agent", "presence", "gpu-1");
        Assert.Equal("busy", (string)one["status"]!);
        Assert.Equal("ci-3", (string)one["metadata"]!["host"]!);

        var table = await other.RunAsync(["agent", "presence", "gpu-1"]);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(Row("agent", "gpu-1"), table.Stdout);
        Assert.Matches(Row("status", "busy"), table.Stdout);
        Assert.Matches(Row("capabilities", "gpu, python"), table.Stdout);
        Assert.Matches(Row("metadata", """{"host":"ci-3"}"""), table.Stdout);
        var capabilityTable = await other.RunAsync(["agent", "capabilities", "--capability", "gpu"]);
        Assert.True(capabilityTable.ExitCode == 0, capabilityTable.ToString());
        Assert.Contains("│ gpu-1 │ gpu, python  │", capabilityTable.Stdout);
    }

    /// <summary>A row of a one-item view: the field, spaces, the value, on a line of its own.</summary>
    private static Regex Row(string field, string value) => new($"(?m)^{Regex.Escape(field)} +{Regex.Escape(value)} *$");
}
