using Azure.Data.Tables;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>One real app per test class (xunit makes one fixture instance per class that asks for it).</summary>
public abstract class AppFixture : IAsyncLifetime
{
    /// <summary>The running app.</summary>
    public RunningApp App { get; private set; } = null!;

    /// <summary>Extra configuration for this app.</summary>
    protected virtual IDictionary<string, string>? Settings => null;

    /// <inheritdoc />
    public async Task InitializeAsync() => App = await RunningApp.StartAsync(settings: Settings);

    /// <inheritdoc />
    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>The app with default settings.</summary>
public sealed class SwarmAppFixture : AppFixture;

/// <summary>A created swarm with everything a test may check for leaks.</summary>
/// <param name="Swarm">Id, join code and coordinator token.</param>
/// <param name="Name">Name.</param>
/// <param name="Goal">Goal.</param>
/// <param name="CoordinatorId">The creator's agent id.</param>
public sealed record CreatedSwarm(TestSwarm Swarm, string Name, string Goal, string CoordinatorId)
{
    /// <summary>Id.</summary>
    public string Id => Swarm.SwarmId;
}

/// <summary>Raw calls and read-backs shared by the swarm tests.</summary>
internal static class SwarmCalls
{
    /// <summary>Creates a swarm with distinctive name, goal and coordinator id (so leaks are recognisable).</summary>
    public static async Task<CreatedSwarm> CreateDistinctSwarmAsync(this RunningApp app, int maxAgents = 20, string tenantKey = RunningApp.TenantKey)
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var (name, goal, coordinatorId) = ($"name-{tag}", $"goal-{tag}", $"lead-{tag}");
        using var response = await app.SendAsync(HttpMethod.Post, "api/swarms", tenantKey, new { name, goal, maxAgents, coordinatorId });
        var body = await SwarmApi.EnsureAsync(response, HttpStatusCode.Created);
        var swarm = new TestSwarm((string)body["swarmId"]!, (string)body["joinCode"]!, (string)body["token"]!);
        return new CreatedSwarm(swarm, name, goal, coordinatorId);
    }

    /// <summary>Sends a request with an optional bearer credential and a JSON body (a string is sent as is).</summary>
    public static Task<HttpResponseMessage> SendAsync(this RunningApp app, HttpMethod method, string path, string? bearer, object? body = null) =>
        app.SendRawAsync(method, path, bearer is null ? null : "Bearer " + bearer, body);

    /// <summary>Sends a request with an exact Authorization header value (or none).</summary>
    public static Task<HttpResponseMessage> SendRawAsync(this RunningApp app, HttpMethod method, string path, string? authorization, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        request.Content = body switch
        {
            null => null,
            string raw => new StringContent(raw, Encoding.UTF8, "application/json"),
            _ => JsonContent.Create(body),
        };
        return app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>GETs JSON with the credential, asserting 200.</summary>
    public static async Task<JsonObject> GetJsonAsync(this RunningApp app, string path, string bearer)
    {
        using var response = await app.SendAsync(HttpMethod.Get, path, bearer);
        return await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
    }

    /// <summary>The swarm's memberCount as GET swarm reports it.</summary>
    public static async Task<int> MemberCountAsync(this RunningApp app, TestSwarm swarm) =>
        (int)(await app.GetJsonAsync($"api/swarms/{swarm.SwarmId}", swarm.CoordinatorToken))["memberCount"]!;

    /// <summary>The members list.</summary>
    public static async Task<List<JsonObject>> MembersAsync(this RunningApp app, TestSwarm swarm) =>
        (await app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/members", swarm.CoordinatorToken))["items"]!.AsArray().Select(m => m!.AsObject()).ToList();

    /// <summary>Agent ids of the members.</summary>
    public static async Task<List<string>> MemberIdsAsync(this RunningApp app, TestSwarm swarm) =>
        (await app.MembersAsync(swarm)).Select(m => (string)m["agentId"]!).Order(StringComparer.Ordinal).ToList();

    /// <summary>Types of the swarm's events in sequence order.</summary>
    public static async Task<List<string>> EventTypesAsync(this RunningApp app, TestSwarm swarm) =>
        (await app.ReadAllEventsAsync(swarm)).Select(e => (string)e["type"]!).ToList();

    /// <summary>
    /// Every row of the swarm's partition as "rowKey@etag", after the log is flushed (reading events waits
    /// for sequencing), so two equal snapshots prove nothing was written in between. A member row is taken by its
    /// properties without its last-seen time: any call an agent makes refreshes that (presence counts activity), which
    /// is no change of the call's own.
    /// </summary>
    public static async Task<List<string>> PartitionSnapshotAsync(this RunningApp app, TestSwarm swarm)
    {
        _ = await app.ReadAllEventsAsync(swarm);
        return (await app.RowsAsync(TableFilter.Partition(swarm.SwarmId))).Select(DescribeIgnoringActivity).Order(StringComparer.Ordinal).ToList();
    }

    private static string DescribeIgnoringActivity(TableEntity row) =>
        !row.RowKey.StartsWith("agent|", StringComparison.Ordinal) ? $"{row.PartitionKey}/{row.RowKey}@{row.ETag}"
        : $"{row.PartitionKey}/{row.RowKey}:" + string.Join(";", row.Keys
            .Where(k => k is not ("LastHeartbeat" or "Timestamp" or "odata.etag"))
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k}={row[k]}"));

    /// <summary>The rows matching <paramref name="filter"/> in the app's table, as sorted "partition/rowKey@etag".</summary>
    public static async Task<List<string>> RowSnapshotAsync(this RunningApp app, string filter) =>
        (await app.RowsAsync(filter)).Select(r => $"{r.PartitionKey}/{r.RowKey}@{r.ETag}").Order(StringComparer.Ordinal).ToList();

    /// <summary>Rows of the app's table read directly from storage.</summary>
    public static async Task<List<TableEntity>> RowsAsync(this RunningApp app, string filter)
    {
        var table = TestEnvironment.Table(app.TableName);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync(filter))
        {
            rows.Add(row);
            Assert.True(rows.Count < 10_000, "unexpectedly many rows");
        }
        return rows;
    }

    /// <summary>Deletes one row of the app's table directly in storage (unconditionally).</summary>
    public static async Task DeleteRowAsync(this RunningApp app, string partitionKey, string rowKey) =>
        Assert.True((await TestEnvironment.Table(app.TableName).DeleteEntityAsync(partitionKey, rowKey, Azure.ETag.All)).Succeeded);

    /// <summary>Everything stored about a tenant's swarms: its counter partition, join codes and index rows.</summary>
    public static async Task<List<string>> TenantSnapshotAsync(this RunningApp app, string tenantId)
    {
        var rows = await app.RowSnapshotAsync(TableFilter.Partition(GlobalRows.TenantPartition(tenantId)));
        rows.AddRange(await app.RowSnapshotAsync(GlobalRows.JoinCodesOfTenant(tenantId)));
        rows.AddRange(await app.RowSnapshotAsync(GlobalRows.IndexOfTenant(tenantId)));
        return rows;
    }
}
