using System.Net;
using System.Text.Json.Nodes;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>
/// Joining with a join code: every mismatch answers one indistinguishable 401; codes are forgiving about
/// case and dashes; a taken agent id is that member's rejoin (see <see cref="RejoinTests"/>). (This class stays well under the
/// join guard's 20 failures per minute; <see cref="JoinRateLimitTests"/> uses them up in its own app.)
/// </summary>
public sealed class JoinTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task Every_kind_of_wrong_join_answers_the_same_401_and_writes_nothing()
    {
        var a = await App.CreateSwarmAsync();
        var b = await App.CreateSwarmAsync();
        var aBefore = await App.PartitionSnapshotAsync(a);
        var bBefore = await App.PartitionSnapshotAsync(b);

        var wrongCode = a.JoinCode[0] == 'A' ? "B" + a.JoinCode[1..] : "A" + a.JoinCode[1..];
        object[] attempts =
        [
            new { joinCode = wrongCode, swarmId = a.SwarmId, role = "worker", agentId = "intruder" },
            new { joinCode = "ZZZZ-2222", role = "worker", agentId = "intruder" },
            new { joinCode = "not a code!", swarmId = a.SwarmId, role = "worker", agentId = "intruder" },
            new { joinCode = a.JoinCode, swarmId = b.SwarmId, role = "worker", agentId = "intruder" },
            new { joinCode = b.JoinCode, swarmId = "swarm_doesnotexist000000", role = "worker", agentId = "intruder" },
            new { joinCode = a.JoinCode, swarmId = "not-a-swarm-id", role = "observer", agentId = "intruder" },
        ];
        var details = new List<string>();
        foreach (var attempt in attempts)
        {
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, attempt);
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.DoesNotContain(a.SwarmId, problem.ToJsonString(), StringComparison.Ordinal);
            Assert.DoesNotContain(b.SwarmId, problem.ToJsonString(), StringComparison.Ordinal);
            details.Add((string)problem["detail"]!);
        }
        Assert.Single(details.Distinct());

        Assert.Equal(aBefore, await App.PartitionSnapshotAsync(a));
        Assert.Equal(bBefore, await App.PartitionSnapshotAsync(b));
        Assert.Equal(["coordinator"], await App.MemberIdsAsync(a));
        Assert.Equal(["coordinator"], await App.MemberIdsAsync(b));
    }

    [Fact]
    public async Task Join_codes_are_accepted_in_any_case_with_or_without_the_dash_and_without_the_swarm_id()
    {
        var swarm = await App.CreateSwarmAsync();
        var code = swarm.JoinCode;
        Assert.Matches("^[A-Z0-9]{4}-[A-Z0-9]{4}$", code);
        (string AgentId, string Code, string? SwarmId)[] variants =
        [
            ("lower-dash", code.ToLowerInvariant(), swarm.SwarmId),
            ("upper-nodash", code.Replace("-", "", StringComparison.Ordinal), swarm.SwarmId),
            ("lower-nodash", code.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant(), null),
            ("code-only", code, null),
        ];
        foreach (var (agentId, variant, swarmId) in variants)
        {
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = variant, swarmId, role = "worker", agentId });
            var credentials = await SwarmApi.EnsureAsync(response, HttpStatusCode.Created);
            Assert.Equal(swarm.SwarmId, (string?)credentials["swarmId"]);
            Assert.Equal(agentId, (string?)credentials["agentId"]);
            Assert.Equal("worker", (string?)credentials["role"]);
            Assert.StartsWith("ct_", (string?)credentials["token"], StringComparison.Ordinal);
            _ = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}", (string)credentials["token"]!);
        }
        Assert.Equal(["code-only", "coordinator", "lower-dash", "lower-nodash", "upper-nodash"], await App.MemberIdsAsync(swarm));
    }

    [Fact]
    public async Task The_broadcast_address_cannot_be_an_agent_id()
    {
        var swarm = await App.CreateSwarmAsync();
        using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = swarm.JoinCode, role = "worker", agentId = "*" });
        var problem = await SwarmApi.EnsureProblemAsync(response, System.Net.HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("agentId", (string?)problem["field"]);
        Assert.Equal(["coordinator"], await App.MemberIdsAsync(swarm));
    }

    [Fact]
    public async Task Joining_with_a_taken_agent_id_is_that_members_rejoin_which_may_change_its_role_within_the_codes_grant()
    {
        var swarm = await App.CreateSwarmAsync();
        var original = await App.JoinAsync(swarm, "taken-id", role: "worker");

        using (var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null,
            new { joinCode = swarm.JoinCode, swarmId = swarm.SwarmId, role = "observer", agentId = "taken-id", capabilities = new[] { "watching" } }))
        {
            var credentials = await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
            Assert.Equal("observer", (string?)credentials["role"]);
        }

        Assert.Equal(2, await App.MemberCountAsync(swarm));
        var member = (await App.MembersAsync(swarm)).Single(m => (string?)m["agentId"] == "taken-id");
        Assert.Equal("observer", (string?)member["role"]);
        Assert.Equal(["watching"], member["capabilities"]!.AsArray().Select(c => (string)c!));
        Assert.Single(await App.ReadAllEventsAsync(swarm, type: "agent.joined"), e => (string?)e["subject"] == "taken-id");

        // The earlier token is revoked.
        using var write = await App.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/heartbeat", original, new { status = "busy" });
        await SwarmApi.EnsureProblemAsync(write, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_join_that_finds_the_member_counter_gone_answers_401_at_once_instead_of_retrying()
    {
        // The counter goes only with the swarm's partition, so a missing one means a delete is under way.
        var swarm = await App.CreateSwarmAsync();
        await App.DeleteRowAsync(swarm.SwarmId, SwarmRows.MembersKey);
        var started = DateTimeOffset.UtcNow;
        using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null,
            new { joinCode = swarm.JoinCode, swarmId = swarm.SwarmId, role = "worker", agentId = "late" });
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(5), "the join retried a counter that cannot come back");
        Assert.DoesNotContain("late", await App.MemberIdsAsync(swarm));
    }
}

/// <summary>Failed joins are rate limited per client; an app of its own, because the guard is per app instance.</summary>
public sealed class JoinRateLimitTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private RunningApp App => fixture.App;

    [Fact]
    public async Task After_20_failed_joins_further_joins_from_the_client_answer_429_even_with_the_right_code()
    {
        var swarm = await App.CreateSwarmAsync();
        var before = await App.PartitionSnapshotAsync(swarm);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null,
                new { joinCode = $"ZZZZ-{attempt:D4}".Replace('0', 'A').Replace('1', 'B'), role = "worker", agentId = "guesser" });
            await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        }

        using (var guess = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = "ZZZZ-ZZZZ", role = "worker" }))
        {
            var problem = await SwarmApi.EnsureProblemAsync(guess, (HttpStatusCode)429, "rate_limited");
            Assert.True((int?)problem["retryAfterSeconds"] > 0);
            Assert.Equal(((int)problem["retryAfterSeconds"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), guess.Headers.RetryAfter?.ToString());
        }
        using (var right = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = swarm.JoinCode, swarmId = swarm.SwarmId, role = "worker", agentId = "late" }))
        {
            await SwarmApi.EnsureProblemAsync(right, (HttpStatusCode)429, "rate_limited");
        }

        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.Equal(["coordinator"], await App.MemberIdsAsync(swarm));
    }
}
