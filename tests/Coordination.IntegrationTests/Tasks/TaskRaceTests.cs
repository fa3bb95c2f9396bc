using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>
/// Many claimers over many tasks that complete, fail or abandon at random; every invariant is checked from the
/// event log, the one record of what happened.
/// </summary>
public sealed class TaskRaceTests
{
    private const int Claimers = 50;
    private const int Tasks = 1000;

    [Fact]
    public async Task Fifty_claimers_never_share_a_lease_and_every_task_ends_completed_or_dead_lettered()
    {
        await using var app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Coordination:Schedules:SweepTaskLeases"] = "* * * * * *" });
        var swarm = await app.CreateSwarmAsync(maxAgents: Claimers + 1);
        using (var coordinator = app.ClientFor(swarm.CoordinatorToken))
        {
            for (var start = 0; start < Tasks; start += 100)
            {
                var batch = Enumerable.Range(start, 100).Select(i => new { type = "race", title = $"task-{i}", maxAttempts = 3, priority = i % 10 }).ToArray();
                using var response = await coordinator.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/bulk", new { tasks = batch });
                await SwarmApi.EnsureAsync(response, HttpStatusCode.Created);
            }
        }
        var tokens = await Task.WhenAll(Enumerable.Range(0, Claimers).Select(i => app.JoinAsync(swarm, $"claimer-{i}")));
        var unexpected = new ConcurrentBag<string>();
        var deadline = DateTimeOffset.UtcNow.AddMinutes(3);

        await Task.WhenAll(tokens.Select(async (token, index) =>
        {
            var random = new Random(index);
            using var client = app.ClientFor(token);
            var idle = 0;
            while (DateTimeOffset.UtcNow < deadline && idle < 8)
            {
                using var claim = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/tasks/claim", new { leaseSeconds = 5, wait = 1 });
                var tasks = (await SwarmApi.EnsureAsync(claim, HttpStatusCode.OK))["items"]!.AsArray();
                if (tasks.Count == 0)
                {
                    idle++;
                    continue;
                }
                idle = 0;
                var task = tasks[0]!.AsObject();
                var roll = random.Next(100);
                if (roll < 10)
                {
                    continue;   // abandon: let the lease lapse
                }
                var action = roll < 75 ? "complete" : "fail";
                object body = action == "complete"
                    ? new { leaseId = (string?)task["leaseId"], fencingToken = (long)task["fencingToken"]! }
                    : new { leaseId = (string?)task["leaseId"], fencingToken = (long)task["fencingToken"]!, error = "random failure" };
                using var done = await client.ActAsync(swarm, task, action, body);
                // A holder too slow for its 5 s lease (a loaded machine) has abandoned it: the server answers
                // lease_lost, and the log invariants below still hold. Anything else is a failure.
                if (done.StatusCode == HttpStatusCode.Conflict && (await done.Content.ReadAsStringAsync()).Contains("\"lease_lost\"", StringComparison.Ordinal))
                {
                    continue;
                }
                if (done.StatusCode != HttpStatusCode.OK)
                {
                    unexpected.Add($"{action} {(int)done.StatusCode}: {await done.Content.ReadAsStringAsync()}");
                }
            }
        }));
        Assert.Empty(unexpected);

        var log = await app.ReadAllEventsAsync(swarm);
        var byTask = log.Where(e => ((string)e["type"]!).StartsWith("task.", StringComparison.Ordinal) && e["subject"] is not null)
            .GroupBy(e => (string)e["subject"]!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(Tasks, byTask.Count);
        var finals = new Dictionary<string, string>();
        using var reader = app.ClientFor(swarm.CoordinatorToken);
        foreach (var (taskId, events) in byTask)
        {
            // Leases alternate with their ends in commit order: a second claim never starts before the previous lease ended.
            var holding = false;
            var claims = 0;
            foreach (var e in events)
            {
                switch ((string)e["type"]!)
                {
                    case "task.claimed":
                        Assert.False(holding, $"{taskId} was claimed again while leased");
                        holding = true;
                        claims++;
                        break;
                    case "task.completed" or "task.failed" or "task.expired" or "task.released":
                        Assert.True(holding, $"{taskId}: {(string)e["type"]!} without a lease");
                        holding = false;
                        break;
                }
            }
            Assert.False(holding, $"{taskId} is still leased at the end");
            var final = events.Last(e => (string)e["type"]! is "task.completed" or "task.dead_lettered");
            finals[taskId] = (string)final["type"]! == "task.completed" ? "completed" : "dead_lettered";
            var view = await reader.GetTaskAsync(swarm, taskId);
            Assert.Equal(finals[taskId], (string?)view["status"]);
            Assert.Equal(claims, (int)view["attempts"]!);
        }
        var stats = JsonNode.Parse(await reader.GetStringAsync($"api/swarms/{swarm.SwarmId}/tasks/stats"))!;
        Assert.Equal(finals.Count(f => f.Value == "completed"), (int)stats["completed"]!);
        Assert.Equal(finals.Count(f => f.Value == "dead_lettered"), (int)stats["dead_lettered"]!);
        Assert.Equal(Tasks, (int)stats["total"]!);
        Assert.Equal(0, (int)stats["pending"]! + (int)stats["claimed"]! + (int)stats["blocked"]!);
    }
}
