using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Locks;

/// <summary>Mutual exclusion under contention, checked by an unprotected read-then-write and by the fencing tokens.</summary>
public sealed class LockMutualExclusionTests
{
    private const int Agents = 50;
    private const int Rounds = 20;

    [Fact]
    public async Task Fifty_agents_taking_one_lock_twenty_times_never_overlap_and_fencing_tokens_strictly_increase()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync(maxAgents: Agents + 1);
        var tokens = await Task.WhenAll(Enumerable.Range(0, Agents).Select(i => app.JoinAsync(swarm, $"agent-{i}")));
        var fencing = new ConcurrentBag<long>();
        var failures = new ConcurrentBag<string>();
        const string resource = "file:src/shared/counter.txt";
        const string counterUrl = "state/counter";

        await Task.WhenAll(tokens.Select(async token =>
        {
            // Longer than the lock wait it asks for (120 s): on a loaded machine a waiter can really wait that long.
            using var client = app.ClientFor(token, TimeSpan.FromSeconds(150));
            var prefix = $"api/swarms/{swarm.SwarmId}/";
            for (var round = 0; round < Rounds; round++)
            {
                using var acquire = await client.PostAsJsonAsync(prefix + "locks", new { resource, ttl = 60, wait = true, waitTimeout = 120 });
                var held = await SwarmApi.EnsureAsync(acquire, HttpStatusCode.OK);
                if (held["acquired"]?.GetValue<bool>() != true)
                {
                    failures.Add("not acquired within the wait: " + held.ToJsonString());
                    continue;
                }
                fencing.Add((long)held["fencingToken"]!);

                // A plain read-then-write, no compare-and-set: only the lock keeps it from losing updates.
                using var read = await client.GetAsync(prefix + counterUrl);
                var current = read.StatusCode == HttpStatusCode.NotFound ? 0 : (long)(await SwarmApi.EnsureAsync(read, HttpStatusCode.OK))["value"]!;
                using var write = await client.PutAsJsonAsync(prefix + counterUrl, new { value = current + 1 });
                await SwarmApi.EnsureAsync(write, HttpStatusCode.OK);

                using var release = await client.DeleteAsync(prefix + $"locks/{held["claimId"]}");
                await SwarmApi.EnsureAsync(release, HttpStatusCode.NoContent);
            }
        }));

        Assert.Empty(failures);
        using var reader = app.ClientFor(swarm.CoordinatorToken);
        var final = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/{counterUrl}"))!;
        Assert.Equal(Agents * Rounds, (long)final["value"]!);

        Assert.Equal(Enumerable.Range(1, Agents * Rounds).Select(i => (long)i), fencing.Order());
        var acquisitions = (await app.ReadAllEventsAsync(swarm, "lock.acquired")).Select(e => (long)e["data"]!["fencingToken"]!).ToList();
        Assert.Equal(Agents * Rounds, acquisitions.Count);
        Assert.All(acquisitions.Zip(acquisitions.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"token {pair.Second} logged after {pair.First}"));
        Assert.Equal(Agents * Rounds, (await app.ReadAllEventsAsync(swarm, "lock.released")).Count);
    }
}
