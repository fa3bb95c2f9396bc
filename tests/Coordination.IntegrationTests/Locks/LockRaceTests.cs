using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.Core.Locks;
using Coordination.Core.Storage;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Locks;

/// <summary>What each lost race means: a renew raced by a renew or a release is retried, never a spurious lease_lost.</summary>
public sealed class LockRaceTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
    {
        ["Coordination:Schedules:SweepLocks"] = "* * * * * *",
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Concurrent_renews_of_one_claim_all_succeed_and_leave_one_index_row()
    {
        var (swarm, holder) = await HolderAsync();
        var held = await AcquireAsync(holder, swarm, "doc:renewed", ttl: 60);
        var renewals = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await holder.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/locks/{held["claimId"]}/renew", new { ttl = 100 + i });
            return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
        }));

        Assert.All(renewals, r => Assert.Equal((long)held["fencingToken"]!, (long)r["fencingToken"]!));
        Assert.Equal(8, (await _app.ReadAllEventsAsync(swarm, "lock.renewed")).Count);
        using var reader = _app.ClientFor(swarm.CoordinatorToken);
        var listed = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/locks"))!["locks"]!.AsArray();
        var one = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/locks?resource=doc%3Arenewed"))!["locks"]!.AsArray();
        Assert.Equal((string?)Assert.Single(one)!["expiresAt"], (string?)Assert.Single(listed)!["expiresAt"]);
    }

    [Fact]
    public async Task A_release_racing_renews_of_its_claim_still_frees_the_lock_once()
    {
        var (swarm, holder) = await HolderAsync();
        var held = await AcquireAsync(holder, swarm, "doc:released", ttl: 60);
        var claim = $"api/swarms/{swarm.SwarmId}/locks/{held["claimId"]}";
        var renews = Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await holder.PostAsJsonAsync(claim + "/renew", new { ttl = 60 });
            return response.IsSuccessStatusCode ? "renewed" : (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["code"];
        }).ToList();
        using (var release = await holder.DeleteAsync(claim))
        {
            await SwarmApi.EnsureAsync(release, HttpStatusCode.NoContent);
        }

        // A renew after the release finds the claim gone; none fails any other way.
        Assert.All(await Task.WhenAll(renews), outcome => Assert.Contains(outcome, new[] { "renewed", "lease_lost" }));
        var released = Assert.Single(await _app.ReadAllEventsAsync(swarm, "lock.released"));
        Assert.Equal("released", (string?)released["data"]!["reason"]);
        Assert.True((bool)(await AcquireAsync(holder, swarm, "doc:released", ttl: 60))["acquired"]!);
    }

    [Fact]
    public async Task The_sweep_goes_on_past_a_lock_whose_rows_disagree()
    {
        var (swarm, holder) = await HolderAsync();
        var damaged = await AcquireAsync(holder, swarm, "doc:damaged", ttl: 1);
        await AcquireAsync(holder, swarm, "doc:sound", ttl: 2);
        // What a swarm deletion leaves for a moment: the index row of a claim whose claim row is gone.
        var table = _app.Services.GetRequiredService<CoordinationStorage>().Table;
        Assert.True((await table.DeleteEntityAsync(swarm.SwarmId, LockRows.ClaimKey((string)damaged["claimId"]!), Azure.ETag.All)).Succeeded);

        JsonObject? released = null;
        for (var i = 0; i < 50 && released is null; i++)
        {
            await Task.Delay(200);
            released = (await _app.ReadAllEventsAsync(swarm, "lock.released")).SingleOrDefault();
        }
        Assert.NotNull(released);
        Assert.Equal("doc:sound", (string?)released["subject"]);
    }

    private async Task<(TestSwarm Swarm, HttpClient Holder)> HolderAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        return (swarm, _app.ClientFor(await _app.JoinAsync(swarm, "holder")));
    }

    private static async Task<JsonObject> AcquireAsync(HttpClient client, TestSwarm swarm, string resource, int ttl)
    {
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/locks", new { resource, ttl });
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }
}
