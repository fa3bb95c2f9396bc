using System.Diagnostics;
using Coordination.Client;
using Coordination.Client.Hosting;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>The SDK's retry policy and its registration with dependency injection, against the real app.</summary>
public sealed class SdkRetryTests
{
    [Fact]
    public async Task A_503_from_storage_trouble_is_retried_after_its_Retry_After_and_then_succeeds()
    {
        await using var proxy = FaultProxy.Start(TestEnvironment.TableEndpoint);
        proxy.RetryAfterSeconds = 1;
        await using var app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = TestEnvironment.ConnectionStringVia(tableEndpoint: proxy.Endpoint),
        });
        using var swarm = await SdkSwarm.CreateAsync(app);
        var agent = await swarm.JoinAsync("agent-1");
        await agent.State.SetAsync("k", 1);
        // Every attempt of the app's storage client (1 + 4 retries) is throttled once: the app answers 503 with Retry-After: 1.
        proxy.Plan(FaultAction.ServerBusy, times: 5, when: r => r.Method == "GET");
        var attempts = new CountingHandler();
        await using var provider = ServicesWith(app, swarm, attempts);
        var client = provider.GetRequiredService<CoordinationClient>();

        var clock = Stopwatch.StartNew();
        var entry = await client.State.GetAsync("k");

        Assert.Equal(1, entry.Value!.Value.GetInt32());
        Assert.Equal(2, attempts.Count);                                     // the 503, then the success
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {clock.Elapsed}, before the 1 s Retry-After");
    }

    [Fact]
    public async Task A_conflict_is_not_retried_and_surfaces_at_once()
    {
        await using var app = await RunningApp.StartAsync();
        using var swarm = await SdkSwarm.CreateAsync(app);
        var attempts = new CountingHandler();
        await using var provider = ServicesWith(app, swarm, attempts);
        var client = provider.GetRequiredService<CoordinationClient>();
        await client.State.SetAsync("k", 1);

        var conflict = await Assert.ThrowsAsync<CoordinationProblemException>(() => client.State.SetAsync("k", 2, ifVersion: 0));

        Assert.Equal("version_conflict", conflict.Code);
        Assert.Equal(2, attempts.Count);   // the first set, and the conflicting one once
    }

    /// <summary>A service provider whose CoordinationClient is registered by AddCoordinationClient, counting what reaches the network.</summary>
    private static ServiceProvider ServicesWith(RunningApp app, SdkSwarm swarm, CountingHandler attempts)
    {
        var services = new ServiceCollection();
        services.AddCoordinationClient(o => (o.BaseAddress, o.Token, o.SwarmId) = (app.BaseAddress, swarm.Created.Token, swarm.SwarmId))
            .AddHttpMessageHandler(() => attempts);
        return services.BuildServiceProvider();
    }

    /// <summary>Counts the requests that reach the network (it sits inside the retry handler).</summary>
    private sealed class CountingHandler : DelegatingHandler
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
