using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Tasks;

/// <summary>When a task becomes claimable: notBefore, dependencies, and both across cancel and un-cancel, on a clock the tests move.</summary>
public sealed class TaskSchedulingTests : IAsyncLifetime
{
    private readonly ShiftableClock _clock = new();
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(asFunctionsHost: true,
        settings: new Dictionary<string, string> { ["Coordination:EventPollMilliseconds"] = "200" },
        configureServices: s => s.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<(TestSwarm Swarm, HttpClient Coordinator, HttpClient Worker)> SetUpAsync()
    {
        var swarm = await _app.CreateSwarmAsync();
        return (swarm, _app.ClientFor(swarm.CoordinatorToken), _app.ClientFor(await _app.JoinAsync(swarm, "worker")));
    }

    [Fact]
    public async Task A_task_is_not_claimable_before_its_not_before_and_a_waiting_claimer_gets_it_after()
    {
        var (swarm, coordinator, worker) = await SetUpAsync();
        var task = await coordinator.CreateTaskAsync(swarm, new { type = "later", title = "later", notBefore = _clock.GetUtcNow().AddSeconds(10) });
        Assert.Equal("pending", (string?)task["status"]);
        Assert.Empty(await worker.ClaimAsync(swarm));

        var waiting = worker.ClaimAsync(swarm, new { wait = 30 });
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(11));
        var finished = await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(waiting, finished);
        Assert.Equal((string?)task["taskId"], (string?)Assert.Single(await waiting)["taskId"]);
    }
}
