using System.Reflection;
using Coordination.Client;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>The SDK covers the whole API: every operation of the OpenAPI document has its method, and the service calls work.</summary>
public sealed class SdkCoverageTests
{
    /// <summary>Operation id → the SDK method that calls it (feature property and method name).</summary>
    private static readonly Dictionary<string, string> MethodOf = new(StringComparer.Ordinal)
    {
        ["GetHealth"] = "Service.HealthAsync", ["GetOpenApiDocument"] = "Service.GetOpenApiAsync",
        ["CreateSwarm"] = "Swarms.CreateAsync", ["JoinSwarm"] = "Swarms.JoinAsync", ["ListSwarms"] = "Swarms.ListAsync",
        ["GetSwarm"] = "Swarms.GetAsync", ["MintCoordinatorToken"] = "Swarms.MintCoordinatorTokenAsync",
        ["MintStreamToken"] = "Swarms.MintStreamTokenAsync", ["ListMembers"] = "Swarms.ListMembersAsync",
        ["RemoveMember"] = "Swarms.RemoveMemberAsync", ["ArchiveSwarm"] = "Swarms.ArchiveAsync", ["DeleteSwarm"] = "Swarms.DeleteAsync",
        ["CreateTask"] = "Tasks.CreateAsync", ["CreateTasksBulk"] = "Tasks.CreateBulkAsync", ["ClaimTasks"] = "Tasks.ClaimAsync",
        ["ListTasks"] = "Tasks.ListAsync", ["GetTaskStats"] = "Tasks.StatsAsync", ["GetTaskSnapshot"] = "Tasks.SnapshotAsync",
        ["GetTaskEvents"] = "Tasks.EventsAsync", ["RecoverTasks"] = "Tasks.RecoverAsync", ["GetTask"] = "Tasks.GetAsync",
        ["UpdateTask"] = "Tasks.UpdateAsync", ["DeleteTask"] = "Tasks.DeleteAsync", ["RenewTask"] = "Tasks.RenewAsync",
        ["ReleaseTask"] = "Tasks.ReleaseAsync", ["CompleteTask"] = "Tasks.CompleteAsync", ["FailTask"] = "Tasks.FailAsync",
        ["ReassignTask"] = "Tasks.ReassignAsync", ["RequeueTask"] = "Tasks.RequeueAsync",
        ["AcquireLock"] = "Locks.AcquireAsync", ["ListLocks"] = "Locks.ListAsync", ["RenewLock"] = "Locks.RenewAsync", ["ReleaseLock"] = "Locks.ReleaseAsync",
        ["GetState"] = "State.GetAsync", ["SetState"] = "State.SetAsync", ["DeleteState"] = "State.DeleteAsync",
        ["IncrementState"] = "State.IncrementAsync", ["PollState"] = "State.PollAsync",
        ["SendMessage"] = "Messages.SendAsync", ["ReadInbox"] = "Messages.InboxAsync", ["GetMessage"] = "Messages.GetAsync",
        ["AcknowledgeMessage"] = "Messages.AcknowledgeAsync", ["GetMessageThread"] = "Messages.ThreadAsync", ["CatchUp"] = "Messages.CatchUpAsync",
        ["Heartbeat"] = "Agents.HeartbeatAsync", ["FindAgents"] = "Agents.FindAsync", ["GetAgent"] = "Agents.GetAsync",
        ["BroadcastEvent"] = "Events.BroadcastAsync", ["QueryEvents"] = "Events.QueryAsync", ["StreamEvents"] = "Events.StreamAsync",
        ["NegotiateRealtime"] = "Events.NegotiateAsync", ["CreateSubscription"] = "Events.CreateSubscriptionAsync",
        ["PollSubscription"] = "Events.PollSubscriptionAsync", ["AcknowledgeSubscription"] = "Events.AcknowledgeSubscriptionAsync",
        ["DeleteSubscription"] = "Events.DeleteSubscriptionAsync", ["PublishToTopic"] = "Events.PublishAsync",
    };

    [Fact]
    public async Task Every_operation_of_the_OpenAPI_document_has_an_SDK_method_and_the_service_calls_answer()
    {
        await using var app = await RunningApp.StartAsync();
        using var client = new CoordinationClient(app.BaseAddress);

        var health = await client.Service.HealthAsync();
        using var document = await client.Service.GetOpenApiAsync();
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => op.Value.ValueKind == System.Text.Json.JsonValueKind.Object && op.Value.TryGetProperty("operationId", out _)))
            .Select(op => op.Value.GetProperty("operationId").GetString()!)
            .ToList();

        Assert.Equal("healthy", health.Status);
        Assert.True(operations.Count >= 50, $"read {operations.Count} operations");
        var uncovered = operations.Where(op => !MethodOf.ContainsKey(op)).ToList();
        var missing = MethodOf.Values.Where(name => !Exists(name)).ToList();
        Assert.True(uncovered.Count == 0, "Operations without an SDK method: " + string.Join(", ", uncovered));
        Assert.True(missing.Count == 0, "SDK methods that do not exist: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task A_base_address_with_a_path_keeps_it_with_or_without_the_trailing_slash()
    {
        await using var app = await RunningApp.StartAsync();
        await using var proxy = new CuttableProxy(app.BaseAddress.Port);
        using var bare = new CoordinationClient(new Uri(proxy.Address, "deployment"));
        using var slashed = new CoordinationClient(new Uri(proxy.Address, "deployment/"));

        await Assert.ThrowsAsync<CoordinationProblemException>(() => bare.Service.GetOpenApiAsync());   // the app serves no /deployment/api

        Assert.Equal(new Uri(proxy.Address, "deployment/"), bare.BaseAddress);
        Assert.Equal(new Uri(proxy.Address, "deployment/"), slashed.BaseAddress);
        Assert.Contains(proxy.RequestHeads, head => head.StartsWith("GET /deployment/api/openapi.json ", StringComparison.Ordinal));
    }

    private static bool Exists(string name)
    {
        var (feature, method) = (name.Split('.')[0], name.Split('.')[1]);
        var group = typeof(CoordinationClient).GetProperty(feature, BindingFlags.Public | BindingFlags.Instance)?.PropertyType;
        return group?.GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => m.Name == method) ?? false;
    }
}
