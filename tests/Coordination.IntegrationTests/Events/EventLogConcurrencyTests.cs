using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.Core.Events;
using Coordination.Functions.Http;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Events;

/// <summary>The event log's invariants under concurrent writers: one event per change, gapless sequences, a verifiable chain.</summary>
public sealed class EventLogConcurrencyTests
{
    private const int Writers = 32;
    private const int Changes = 2000;

    [Fact]
    public async Task Concurrent_writers_produce_exactly_one_gapless_chained_event_per_change_and_a_polling_reader_never_goes_back()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync(maxAgents: Writers + 1);
        var tokens = await Task.WhenAll(Enumerable.Range(0, Writers).Select(i => app.JoinAsync(swarm, $"writer-{i}")));

        using var done = new CancellationTokenSource();
        var reader = PollByCursorAsync(app, swarm, done.Token);

        var next = -1;
        var failures = new ConcurrentBag<string>();
        await Task.WhenAll(tokens.Select(async (token, writer) =>
        {
            using var client = app.ClientFor(token);
            int change;
            while ((change = Interlocked.Increment(ref next)) < Changes)
            {
                // Distinct keys: each change is about its own subject.
                using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/events",
                    new { type = "load.change", subject = $"key-{change}", data = new { change, writer } });
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    failures.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
            }
        }));
        await done.CancelAsync();
        var readerViolations = await reader;

        Assert.Empty(failures);
        Assert.Empty(readerViolations);

        var log = (await app.ReadAllEventsAsync(swarm)).Select(e => e.Deserialize<SwarmEvent>(JsonDefaults.Options)!).ToList();
        Assert.Equal(Enumerable.Range(1, log.Count).Select(i => (long)i), log.Select(e => e.Sequence));
        var changes = log.Where(e => e.Type == "load.change").ToList();
        Assert.Equal(Changes, changes.Count);
        Assert.Equal(Changes, changes.Select(e => e.Subject).Distinct().Count());
        Assert.Equal(log.Count, log.Select(e => e.Id).Distinct().Count());
        // 1 swarm.created + 1 coordinator join + the writers' joins, then the changes: nothing else, nothing twice.
        Assert.Equal(2 + Writers + Changes, log.Count);

        var previous = EventRows.GenesisHash;
        foreach (var e in log)
        {
            Assert.Equal(previous, e.PrevHash);
            Assert.Equal(HashChain.Compute(e), e.Hash);
            previous = e.Hash;
        }
    }

    [Fact]
    public async Task A_changed_event_breaks_the_hash_chain_from_that_event_on()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync();
        var log = (await app.ReadAllEventsAsync(swarm)).Select(e => e.Deserialize<SwarmEvent>(JsonDefaults.Options)!).ToList();
        var tampered = log[0] with { Data = JsonDocument.Parse("{\"name\":\"forged\"}").RootElement };
        Assert.Equal(log[0].Hash, HashChain.Compute(log[0]));
        Assert.NotEqual(log[0].Hash, HashChain.Compute(tampered));
    }

    /// <summary>
    /// Polls by cursor while the writers run; returns every violation of "a reader that passed n never later
    /// sees an event at or below n" and of contiguity within what it saw.
    /// </summary>
    private static async Task<List<string>> PollByCursorAsync(RunningApp app, TestSwarm swarm, CancellationToken stop)
    {
        var violations = new List<string>();
        using var client = app.ClientFor(swarm.CoordinatorToken);
        long cursor = 0;
        for (var poll = 0; poll < 100_000; poll++)
        {
            var stopping = stop.IsCancellationRequested;
            var page = JsonNode.Parse(await client.GetStringAsync($"api/swarms/{swarm.SwarmId}/events?cursor={cursor}&limit=1000"))!;
            foreach (var e in page["items"]!.AsArray())
            {
                var sequence = (long)e!["sequence"]!;
                if (sequence != cursor + 1)
                {
                    violations.Add($"after {cursor} the reader saw {sequence}");
                }
                cursor = Math.Max(cursor, sequence);
            }
            if (stopping)
            {
                return violations;
            }
            await Task.Delay(20, CancellationToken.None);
        }
        violations.Add("the reader did not finish within its poll bound");
        return violations;
    }
}
