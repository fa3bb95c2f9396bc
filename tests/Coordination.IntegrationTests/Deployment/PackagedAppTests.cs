using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Coordination.Functions.Hosting;
using Coordination.Functions.Platform;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage.Queues;
using Coordination.Storage.Tables;

namespace Coordination.IntegrationTests.Deployment;

/// <summary>
/// The packaged app run the way the Functions host runs it: the extracted executable as its own process, working
/// directory = package root, FUNCTIONS_CUSTOMHANDLER_PORT set, settings only from the environment.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class PackagedAppTests(PackageFixture package)
{
    [Fact]
    public async Task The_packaged_executable_serves_health_a_timer_invocation_and_the_api()
    {
        var table = TestEnvironment.UniqueTableName("pkg");
        var queue = "wake-" + table.ToLowerInvariant();
        var port = FreePort();
        var start = new ProcessStartInfo(Path.Combine(package.Root, package.Handler))
        {
            WorkingDirectory = package.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Only what the host and the app settings would give: nothing inherited from the test run's own settings.
        foreach (var name in start.Environment.Keys.Where(IsAppOrRuntimeSetting).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment[FunctionsHostEnvironment.PortVariable] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["FUNCTIONS_CUSTOMHANDLER_WORKER_ID"] = Guid.NewGuid().ToString();
        start.Environment["FUNCTIONS_APP_ROOT_PATH"] = package.Root;
        start.Environment["AzureWebJobsStorage"] = TestEnvironment.StorageConnectionString;
        start.Environment["Coordination__TableName"] = table;
        start.Environment["Coordination__WakeQueueName"] = queue;
        start.Environment["Coordination__Tenants__test__Keys"] = RunningApp.TenantKey;
        start.Environment["Coordination__TokenSigningKeys"] = RunningApp.SigningKey;

        var log = new StringBuilder();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the packaged handler.");
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            // Readiness as the host checks it: any HTTP answer to GET / (the host allows 30 s on Flex).
            var started = Stopwatch.StartNew();
            await WaitUntilAsync(async () => { using var _ = await client.GetAsync("/"); return true; }, TimeSpan.FromSeconds(30), process, log);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the handler took {started.Elapsed} to listen");

            await WaitUntilAsync(async () => { using var r = await client.GetAsync("api/health"); return r.IsSuccessStatusCode; }, TimeSpan.FromSeconds(30), process, log);
            var health = JsonNode.Parse(await client.GetStringAsync("api/health"))!;
            Assert.Equal("healthy", (string?)health["status"]);
            Assert.Equal(table, (string?)health["table"]!["name"]);

            // A timer invocation exactly as the host posts it (§1.5 of the platform notes).
            var payload = """
                {"Data":{"timer":{"Schedule":{"AdjustForDST":true},
                  "ScheduleStatus":{"Last":"2024-11-30T14:07:00+00:00","Next":"2024-11-30T15:07:00+00:00","LastUpdated":"2024-11-30T14:07:00.4+00:00"},
                  "IsPastDue":false}},
                 "Metadata":{"sys":{"MethodName":"ProvisionStorage","UtcNow":"2024-11-30T15:07:00.46Z","RandGuid":"7c9e6679-7425-40de-944b-e07fc1f90ae7"}}}
                """;
            using var invocation = new HttpRequestMessage(HttpMethod.Post, "ProvisionStorage") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            invocation.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
            invocation.Headers.UserAgent.ParseAdd("Azure-Functions-Host/4.1040.0");
            using var response = await client.SendAsync(invocation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            Assert.Equal(["Outputs", "Logs", "ReturnValue"], body.Select(p => p.Key).ToArray());
            Assert.Empty(body["Outputs"]!.AsObject());
            Assert.Contains(body["Logs"]!.AsArray(), l => ((string?)l)!.Contains($"table {table}: present", StringComparison.Ordinal));
            Assert.Null(body["ReturnValue"]);

            // The secrets came from the environment: the tenant key creates a swarm.
            using var create = new HttpRequestMessage(HttpMethod.Post, "api/swarms") { Content = JsonContent.Create(new { name = "packaged", goal = "prove the package", maxAgents = 2 }) };
            create.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RunningApp.TenantKey);
            using var created = await client.SendAsync(create);
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"{created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException("The packaged handler did not exit within 10 s of being killed.");
            }
            await TestEnvironment.Table(table).DeleteIfExistsAsync();
            await TestEnvironment.Queue(queue).DeleteIfExistsAsync();
        }
    }

    private static bool IsAppOrRuntimeSetting(string name) =>
        new[] { "Coordination", "AzureWebJobs", "FUNCTIONS_", "ASPNETCORE_", "DOTNET_", "COORDINATION_" }
            .Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit, Process process, StringBuilder log)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The packaged handler exited with {process.ExitCode}. Output:\n{log}");
            }
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet: the host keeps polling too.
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"The packaged handler was not ready within {limit}. Output:\n{log}");
            }
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
