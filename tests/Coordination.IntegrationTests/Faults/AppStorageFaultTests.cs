using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Faults;

/// <summary>
/// The app in front of a table that keeps failing past the retries: its API answers a 503 problem with a stable code
/// (and the service's Retry-After when throttled), never a 500.
/// </summary>
public sealed class AppStorageFaultTests
{
    [Theory]
    [InlineData(FaultAction.ServerBusy, "storage_throttled", "7")]
    [InlineData(FaultAction.DropBeforeForwarding, "storage_unavailable", null)]
    public async Task A_table_fault_that_outlasts_the_retries_is_a_503_problem(FaultAction fault, string code, string? retryAfter)
    {
        await using var proxy = FaultProxy.Start(TestEnvironment.TableEndpoint);
        proxy.RetryAfterSeconds = 7;
        var app = await RunningApp.StartAsync(settings: new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = TestEnvironment.ConnectionStringVia(tableEndpoint: proxy.Endpoint),
        });
        try
        {
            proxy.Plan(fault, times: int.MaxValue);
            using var client = app.ClientFor(RunningApp.TenantKey);

            using var response = await client.PostAsJsonAsync("api/swarms", new { name = "faulty", goal = "meet a storage fault", maxAgents = 2 });

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal(code, (string?)problem!["code"]);
            Assert.Equal(retryAfter, response.Headers.RetryAfter?.ToString());
        }
        finally
        {
            proxy.StopFaults();
            await app.DisposeAsync();
        }
    }
}
