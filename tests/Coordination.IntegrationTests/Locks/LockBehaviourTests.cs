using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Locks;

/// <summary>Waiting, expiry, holders' rights, validation, events and departures.</summary>
public sealed class LockBehaviourTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
    {
        ["Coordination:Schedules:SweepLocks"] = "* * * * * *",
        ["Coordination:Tenants:test:MaxLocksPerSwarm"] = "6",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_waiter_gets_the_lock_when_the_holder_releases_it()
    {
        var (swarm, holder, waiter) = await TwoWorkersAsync();
        var held = await AcquireAsync(holder, swarm, "doc:plan.md", ttl: 60);

        var waiting = AcquireAsync(waiter, swarm, "doc:plan.md", ttl: 60, wait: true, waitTimeout: 30);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await ReleaseAsync(holder, swarm, held);

        var got = await waiting;
        Assert.True((bool)got["acquired"]!);
        Assert.Equal((long)held["fencingToken"]! + 1, (long)got["fencingToken"]!);
    }

    [Fact]
    public async Task A_wait_ends_with_the_holder_named_when_the_timeout_passes()
    {
        var (swarm, holder, waiter) = await TwoWorkersAsync();
        var held = await AcquireAsync(holder, swarm, "doc:busy.md", ttl: 60);
        var clock = Stopwatch.StartNew();
        var refused = await AcquireAsync(waiter, swarm, "doc:busy.md", ttl: 60, wait: true, waitTimeout: 2);
        Assert.False((bool)refused["acquired"]!);
        Assert.Equal("holder", (string?)refused["heldBy"]);
        Assert.Equal((string?)held["expiresAt"], (string?)refused["expiresAt"]);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"returned after {clock.Elapsed}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"returned after {clock.Elapsed}");
    }

    [Fact]
    public async Task An_expired_lock_is_free_and_the_sweep_logs_its_release_once()
    {
        var (swarm, holder, other) = await TwoWorkersAsync();
        var held = await AcquireAsync(holder, swarm, "cache:warm", ttl: 1);
        JsonObject? released = null;
        for (var i = 0; i < 50 && released is null; i++)
        {
            await Task.Delay(200);
            released = (await _app.ReadAllEventsAsync(swarm, "lock.released")).SingleOrDefault();
        }
        Assert.NotNull(released);
        Assert.Equal("expired", (string?)released["data"]!["reason"]);
        Assert.Equal("system", (string?)released["actor"]);

        var next = await AcquireAsync(other, swarm, "cache:warm", ttl: 30);
        Assert.True((bool)next["acquired"]!);
        Assert.Equal((long)held["fencingToken"]! + 1, (long)next["fencingToken"]!);
        using var stale = await holder.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/locks/{held["claimId"]}/renew", new { });
        await SwarmApi.EnsureProblemAsync(stale, HttpStatusCode.Conflict, "lease_lost");
    }

    [Fact]
    public async Task Only_the_holder_renews_or_releases_and_a_coordinator_may_force()
    {
        var (swarm, holder, other) = await TwoWorkersAsync();
        var held = await AcquireAsync(holder, swarm, "db:migrations", ttl: 30);
        var claim = $"api/swarms/{swarm.SwarmId}/locks/{held["claimId"]}";

        using (var renew = await other.PostAsJsonAsync(claim + "/renew", new { ttl = 60 }))
        {
            await SwarmApi.EnsureProblemAsync(renew, HttpStatusCode.Forbidden, "not_holder");
        }
        using (var release = await other.DeleteAsync(claim))
        {
            await SwarmApi.EnsureProblemAsync(release, HttpStatusCode.Forbidden, "not_holder");
        }
        using (var forceAsWorker = await other.DeleteAsync(claim + "?force=true"))
        {
            await SwarmApi.EnsureProblemAsync(forceAsWorker, HttpStatusCode.Forbidden, "forbidden_role");
        }
        using (var renewed = await holder.PostAsJsonAsync(claim + "/renew", new { ttl = 120 }))
        {
            var body = await SwarmApi.EnsureAsync(renewed, HttpStatusCode.OK);
            Assert.True((DateTimeOffset)body["expiresAt"]! > DateTimeOffset.UtcNow.AddSeconds(100));
            Assert.Equal((long)held["fencingToken"]!, (long)body["fencingToken"]!);
        }
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using (var forced = await coordinator.DeleteAsync(claim + "?force=true"))
        {
            await SwarmApi.EnsureAsync(forced, HttpStatusCode.NoContent);
        }
        using (var again = await holder.DeleteAsync(claim))
        {
            await SwarmApi.EnsureProblemAsync(again, HttpStatusCode.Conflict, "lease_lost");
        }
        var types = (await _app.ReadAllEventsAsync(swarm)).Select(e => (string)e["type"]!).Where(t => t.StartsWith("lock.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["lock.acquired", "lock.renewed", "lock.released"], types);
        Assert.Equal("forced", (string?)(await _app.ReadAllEventsAsync(swarm, "lock.released"))[0]["data"]!["reason"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3601)]
    public async Task A_ttl_out_of_range_is_refused_with_the_allowed_range(int ttl)
    {
        var (swarm, holder, _) = await TwoWorkersAsync();
        using var response = await holder.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/locks", new { resource = "r", ttl });
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(1, (int)problem["min"]!);
        Assert.Equal(3600, (int)problem["max"]!);
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "lock.acquired"));
    }

    [Fact]
    public async Task Resources_of_any_characters_lock_independently_and_list_as_held()
    {
        var (swarm, holder, _) = await TwoWorkersAsync();
        string[] resources = ["file:src/auth/login.ts", "file:src/auth", "100% #tag? a\\b 'q' | !", "Ünïcødé ☃ 😀", "line\nbreak"];
        foreach (var resource in resources)
        {
            Assert.True((bool)(await AcquireAsync(holder, swarm, resource, ttl: 60))["acquired"]!);
        }
        using var reader = _app.ClientFor(swarm.CoordinatorToken);
        var listed = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/locks"))!["locks"]!.AsArray();
        Assert.Equal(resources.Order(), listed.Select(l => (string)l!["resource"]!).Order());
        var one = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/locks?resource={Uri.EscapeDataString(resources[2])}"))!["locks"]!.AsArray();
        Assert.Equal(resources[2], (string?)Assert.Single(one)!["resource"]);
    }

    [Fact]
    public async Task A_member_that_leaves_gives_its_locks_back()
    {
        var (swarm, holder, other) = await TwoWorkersAsync();
        await AcquireAsync(holder, swarm, "a", ttl: 300);
        await AcquireAsync(holder, swarm, "b", ttl: 300);
        using (var leave = await holder.DeleteAsync($"api/swarms/{swarm.SwarmId}/members/holder"))
        {
            await SwarmApi.EnsureAsync(leave, HttpStatusCode.NoContent);
        }
        var released = await _app.ReadAllEventsAsync(swarm, "lock.released");
        Assert.Equal(["a", "b"], released.Select(e => (string)e["subject"]!).Order());
        Assert.All(released, e => Assert.Equal("member_left", (string?)e["data"]!["reason"]));
        Assert.True((bool)(await AcquireAsync(other, swarm, "a", ttl: 30))["acquired"]!);
    }

    [Fact]
    public async Task A_lock_namespace_subscription_sees_every_release_as_lock_released_with_its_reason()
    {
        var (swarm, holder, other) = await TwoWorkersAsync();
        using var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        using (var created = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/subscriptions", new { patterns = new[] { "lock.*" } }))
        {
            var subscription = $"api/swarms/{swarm.SwarmId}/subscriptions/{(string)(await SwarmApi.EnsureAsync(created, HttpStatusCode.Created))["subscriptionId"]!}";

            await ReleaseAsync(holder, swarm, await AcquireAsync(holder, swarm, "r-released", ttl: 60));
            var forced = await AcquireAsync(holder, swarm, "r-forced", ttl: 60);
            using (var force = await coordinator.DeleteAsync($"api/swarms/{swarm.SwarmId}/locks/{forced["claimId"]}?force=true"))
            {
                await SwarmApi.EnsureAsync(force, HttpStatusCode.NoContent);
            }
            await AcquireAsync(other, swarm, "r-expired", ttl: 1);   // the sweep (every second here) frees it
            await AcquireAsync(holder, swarm, "r-left", ttl: 60);
            using (var leave = await holder.DeleteAsync($"api/swarms/{swarm.SwarmId}/members/holder"))
            {
                await SwarmApi.EnsureAsync(leave, HttpStatusCode.NoContent);
            }

            var reasons = new Dictionary<string, string>();
            var cursor = "0";
            for (var poll = 0; poll < 20 && reasons.Count < 4; poll++)
            {
                var page = JsonNode.Parse(await coordinator.GetStringAsync($"{subscription}/events?wait=1"))!;
                foreach (var e in page["items"]!.AsArray().Where(e => (string)e!["type"]! == "lock.released"))
                {
                    reasons[(string)e!["subject"]!] = (string)e["data"]!["reason"]!;
                }
                cursor = (string)page["nextCursor"]!;
                using var ack = await coordinator.PostAsJsonAsync($"{subscription}/ack", new { cursor });
                await SwarmApi.EnsureAsync(ack, HttpStatusCode.OK);
            }
            Assert.Equal(
                new Dictionary<string, string> { ["r-released"] = "released", ["r-forced"] = "forced", ["r-expired"] = "expired", ["r-left"] = "member_left" },
                reasons);
        }
        Assert.Empty(await _app.ReadAllEventsAsync(swarm, "resource_released"));   // the broadcast type, which agents keep
    }

    [Fact]
    public async Task The_lock_quota_refuses_more_held_locks_than_the_tenant_allows()
    {
        var (swarm, holder, _) = await TwoWorkersAsync();
        foreach (var r in new[] { "q1", "q2", "q3", "q4", "q5", "q6" })
        {
            Assert.True((bool)(await AcquireAsync(holder, swarm, r, ttl: 60))["acquired"]!);
        }
        using var response = await holder.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/locks", new { resource = "q7", ttl = 60 });
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Forbidden, "quota_exceeded");
        Assert.Equal(6, (await _app.ReadAllEventsAsync(swarm, "lock.acquired")).Count);
    }

    private async Task<(TestSwarm Swarm, HttpClient Holder, HttpClient Other)> TwoWorkersAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        return (swarm, _app.ClientFor(await _app.JoinAsync(swarm, "holder")), _app.ClientFor(await _app.JoinAsync(swarm, "other")));
    }

    private static async Task<JsonObject> AcquireAsync(HttpClient client, TestSwarm swarm, string resource, int ttl, bool wait = false, int? waitTimeout = null)
    {
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/locks", new { resource, ttl, wait, waitTimeout });
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }

    private static async Task ReleaseAsync(HttpClient client, TestSwarm swarm, JsonObject held)
    {
        using var response = await client.DeleteAsync($"api/swarms/{swarm.SwarmId}/locks/{held["claimId"]}");
        await SwarmApi.EnsureAsync(response, HttpStatusCode.NoContent);
    }
}
