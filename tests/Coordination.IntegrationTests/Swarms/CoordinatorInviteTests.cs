using System.Net;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>
/// Issue 12, identity: joining as coordinator needs the coordinator code; the plain join code grants worker or
/// observer only (before, the join code granted any role, so anyone holding it could remove members).
/// </summary>
public sealed class CoordinatorInviteTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private const string CodePattern = "^[ABCDEFGHJKLMNPQRSTUVWXYZ2-9]{4}-[ABCDEFGHJKLMNPQRSTUVWXYZ2-9]{4}$";

    private RunningApp App => fixture.App;

    [Fact]
    public async Task Creating_a_swarm_returns_a_coordinator_code_that_only_coordinators_can_read_back()
    {
        using var create = await App.SendAsync(HttpMethod.Post, "api/swarms", RunningApp.TenantKey, new { name = "invites" });
        var created = await SwarmApi.EnsureAsync(create, HttpStatusCode.Created);
        var (joinCode, coordinatorCode) = ((string)created["joinCode"]!, (string?)created["coordinatorCode"]);
        Assert.NotNull(coordinatorCode);
        Assert.Matches(CodePattern, coordinatorCode);
        Assert.NotEqual(joinCode, coordinatorCode);

        var swarm = new TestSwarm((string)created["swarmId"]!, joinCode, (string)created["token"]!);
        Assert.Equal(coordinatorCode, (string?)created["swarm"]!["coordinatorCode"]);
        var asCoordinator = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}", swarm.CoordinatorToken);
        Assert.Equal(coordinatorCode, (string?)asCoordinator["coordinatorCode"]);
        Assert.Equal(joinCode, (string?)asCoordinator["joinCode"]);

        var worker = await App.JoinAsync(swarm, "plain-worker");
        var asWorker = await App.GetJsonAsync($"api/swarms/{swarm.SwarmId}", worker);
        Assert.False(asWorker.ContainsKey("coordinatorCode"));
        Assert.False(asWorker.ContainsKey("joinCode"));
    }

    [Fact]
    public async Task The_join_code_does_not_grant_the_coordinator_role_and_writes_nothing()
    {
        var swarm = await App.CreateSwarmAsync();
        var before = await App.PartitionSnapshotAsync(swarm);

        foreach (var swarmId in new[] { swarm.SwarmId, null })
        {
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null,
                new { joinCode = swarm.JoinCode, swarmId, role = "coordinator", agentId = "usurper" });
            var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Forbidden, "forbidden_role");
            Assert.Contains("coordinator code", (string?)problem["detail"], StringComparison.Ordinal);
            Assert.Equal(["observer", "worker"], problem["allowed"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));
        }

        Assert.Equal(before, await App.PartitionSnapshotAsync(swarm));
        Assert.Equal(["coordinator"], await App.MemberIdsAsync(swarm));
    }

    [Fact]
    public async Task The_coordinator_code_joins_as_coordinator_worker_or_observer_with_or_without_the_swarm_id()
    {
        var swarm = await App.CreateSwarmAsync();
        var code = await App.CoordinatorCodeAsync(swarm);
        (string AgentId, string Role, string Code, string? SwarmId)[] joins =
        [
            ("co-lead", "coordinator", code, swarm.SwarmId),
            ("co-lead-2", "coordinator", code.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant(), null),
            ("helper", "worker", code, null),
            ("watcher", "observer", code, swarm.SwarmId),
        ];
        var tokens = new Dictionary<string, string>();
        foreach (var (agentId, role, variant, swarmId) in joins)
        {
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = variant, swarmId, role, agentId });
            var credentials = await SwarmApi.EnsureAsync(response, HttpStatusCode.Created);
            Assert.Equal(role, (string?)credentials["role"]);
            Assert.Equal(swarm.SwarmId, (string?)credentials["swarmId"]);
            tokens[agentId] = (string)credentials["token"]!;
        }

        // A coordinator who joined with the code has the role's rights: it may remove another member.
        using (var remove = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/helper", tokens["co-lead"]))
        {
            await SwarmApi.EnsureAsync(remove, HttpStatusCode.NoContent);
        }
        var roles = (await App.MembersAsync(swarm)).ToDictionary(m => (string)m["agentId"]!, m => (string)m["role"]!);
        Assert.Equal(new Dictionary<string, string> { ["coordinator"] = "coordinator", ["co-lead"] = "coordinator", ["co-lead-2"] = "coordinator", ["watcher"] = "observer" }, roles);
    }

    [Fact]
    public async Task A_coordinator_code_of_another_swarm_or_a_guessed_one_answers_the_same_401_as_a_wrong_join_code()
    {
        var a = await App.CreateSwarmAsync();
        var b = await App.CreateSwarmAsync();
        var codeOfA = await App.CoordinatorCodeAsync(a);
        var guessed = codeOfA[0] == 'A' ? "B" + codeOfA[1..] : "A" + codeOfA[1..];
        var details = new List<string>();
        foreach (var attempt in new object[]
        {
            new { joinCode = codeOfA, swarmId = b.SwarmId, role = "coordinator", agentId = "intruder" },
            new { joinCode = guessed, swarmId = a.SwarmId, role = "coordinator", agentId = "intruder" },
            new { joinCode = "ZZZZ-2222", swarmId = a.SwarmId, role = "worker", agentId = "intruder" },
        })
        {
            using var response = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, attempt);
            details.Add((string)(await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized"))["detail"]!);
        }
        Assert.Single(details.Distinct());
        Assert.Equal(["coordinator"], await App.MemberIdsAsync(b));
    }

    [Fact]
    public async Task Deleting_the_swarm_retires_its_coordinator_code()
    {
        var swarm = await App.CreateSwarmAsync();
        var code = await App.CoordinatorCodeAsync(swarm);
        using (var delete = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}", swarm.CoordinatorToken))
        {
            await SwarmApi.EnsureAsync(delete, HttpStatusCode.NoContent);
        }
        using var join = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = code, role = "coordinator", agentId = "late" });
        await SwarmApi.EnsureProblemAsync(join, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Empty(await App.RowsAsync($"PartitionKey eq '~joincodes' and SwarmId eq '{swarm.SwarmId}'"));
    }
}
