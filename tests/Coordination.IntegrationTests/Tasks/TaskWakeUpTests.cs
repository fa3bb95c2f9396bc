using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>
/// Waiting claimers are woken by the enqueues they can take: one that names its types by a task of those types, one
/// that names none by any. The poll interval is 30 s and the waits 20 s here, so a claimer that gets its task did not
/// find it by polling: it was woken.
/// </summary>
public sealed class TaskWakeUpTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Coordination:EventPollMilliseconds"] = "30000" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_typed_claimer_is_woken_by_its_type_and_an_untyped_one_by_any()
    {
        var swarm = await _app.CreateSwarmAsync();
        var coordinator = _app.ClientFor(swarm.CoordinatorToken);
        var alphaWorker = _app.ClientFor(await _app.JoinAsync(swarm, "alpha-worker"));
        var anyWorker = _app.ClientFor(await _app.JoinAsync(swarm, "any-worker"));

        var alpha = alphaWorker.ClaimAsync(swarm, new { types = new[] { "alpha" }, wait = 20 });
        var any = anyWorker.ClaimAsync(swarm, new { wait = 20 });
        await Task.Delay(500);
        Assert.False(alpha.IsCompleted || any.IsCompleted);

        await coordinator.CreateTaskAsync(swarm, new { type = "beta", title = "for anyone" });
        Assert.Same(any, await Task.WhenAny(any, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal("beta", (string?)Assert.Single(await any)["type"]);
        Assert.False(alpha.IsCompleted);

        await coordinator.CreateTaskAsync(swarm, new { type = "alpha", title = "for the alpha worker" });
        Assert.Same(alpha, await Task.WhenAny(alpha, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Equal("alpha", (string?)Assert.Single(await alpha)["type"]);
    }

    [Fact]
    public async Task Claimers_woken_by_enqueues_find_the_new_task_every_time()
    {
        // Eight claimer/enqueuer pairs, each on its own type, twenty cycles each: the enqueue must reach the waiting claimer
        // by its wake-up. With the 30 s poll, a claimer woken before the new row reached this process's claim pool would
        // sleep until its 10 s wait ran out (it did in 3% of cycles when the pulse preceded the pool).
        var swarm = await _app.CreateSwarmAsync(maxAgents: 20);
        var pairs = new List<(HttpClient Claimer, HttpClient Enqueuer, string Type)>();
        for (var i = 0; i < 8; i++)
        {
            pairs.Add((_app.ClientFor(await _app.JoinAsync(swarm, $"claimer-{i}")), _app.ClientFor(await _app.JoinAsync(swarm, $"enqueuer-{i}")), $"type-{i}"));
        }
        await Task.WhenAll(pairs.Select(async pair =>
        {
            for (var cycle = 0; cycle < 20; cycle++)
            {
                var claim = pair.Claimer.ClaimAsync(swarm, new { types = new[] { pair.Type }, wait = 10 });
                await Task.Delay(100);
                await pair.Enqueuer.CreateTaskAsync(swarm, new { type = pair.Type, title = $"{pair.Type} #{cycle}" });
                Assert.Same(claim, await Task.WhenAny(claim, Task.Delay(TimeSpan.FromSeconds(5))));   // woken, not at its deadline
                Assert.Equal($"{pair.Type} #{cycle}", (string?)Assert.Single(await claim)["title"]);
            }
        }));
        pairs.ForEach(pair => { pair.Claimer.Dispose(); pair.Enqueuer.Dispose(); });
    }
}
