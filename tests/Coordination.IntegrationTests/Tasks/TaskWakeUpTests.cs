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
}
