using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.Functions.Features.Mcp;
using Coordination.Functions.Features.System;
using Coordination.Functions.Hosting;
using Coordination.Functions.Platform;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests;

/// <summary>The app as the Functions host sees it: forwarded HTTP, timer invocations, generated function.json.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task Health_reports_storage_reachable_and_provisioned()
    {
        await using var app = await RunningApp.StartAsync();
        using var response = await app.Client.GetAsync("api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("healthy", (string?)body!["status"]);
        Assert.Equal(app.TableName, (string?)body["table"]!["name"]);
        Assert.True((bool)body["table"]!["exists"]!);
        Assert.True((bool)body["wakeQueue"]!["reachable"]!);
    }

    [Fact]
    public async Task Health_reports_unreachable_storage_as_503_not_500()
    {
        var deadStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + TestEnvironment.DevelopmentAccountKey +
                          ";TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        var app = Coordination.Functions.Hosting.CoordinationApp.Build([$"--AzureWebJobsStorage={deadStorage}", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=None"]);
        await app.StartAsync();
        try
        {
            var address = app.Urls.First();
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            using var response = await client.GetAsync("api/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("unhealthy", (string?)body!["status"]);
            Assert.False((bool)body["table"]!["reachable"]!);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Timer_invocation_posted_as_the_host_sends_it_answers_in_the_host_response_shape()
    {
        await using var app = await RunningApp.StartAsync(asFunctionsHost: true);
        var payload = """
            {"Data":{"timer":{"Schedule":{"AdjustForDST":true},
              "ScheduleStatus":{"Last":"2024-11-30T14:40:00+00:00","Next":"2024-11-30T15:07:00+00:00","LastUpdated":"2024-11-30T14:40:00.4+00:00"},
              "IsPastDue":false}},
             "Metadata":{"sys":{"MethodName":"ProvisionStorage","UtcNow":"2024-11-30T15:07:00.46Z","RandGuid":"0f8fad5b-d9cb-469f-a165-70867728950e"}}}
            """;
        using var request = new HttpRequestMessage(HttpMethod.Post, "ProvisionStorage") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], body.Select(p => p.Key).ToArray());
        Assert.Empty(body["Outputs"]!.AsObject());
        Assert.Contains(body["Logs"]!.AsArray(), l => ((string?)l)!.Contains($"table {app.TableName}: present", StringComparison.Ordinal));
        Assert.Null(body["ReturnValue"]);
    }

    [Fact]
    public void An_unresolved_key_vault_reference_fails_start_up_instead_of_becoming_a_key()
    {
        // What App Service leaves in a setting whose Key Vault reference it could not resolve. Without the guard the
        // signing-key parser accepts it: key id '@Microsoft.KeyVault(SecretUri=https', "secret" = the vault URI.
        var reference = "@Microsoft.KeyVault(SecretUri=https://kv-example.vault.azure.net/secrets/token-signing-keys/0123456789abcdef)";
        var app = CoordinationApp.Build([
            "--AzureWebJobsStorage=UseDevelopmentStorage=true", $"--Coordination:Tenants:test:Keys={RunningApp.TenantKey}",
            $"--Coordination:TokenSigningKeys={reference}", "--Logging:LogLevel:Default=None"]);
        var error = Assert.Throws<InvalidOperationException>(() => CoordinationApp.ValidateRuntimeSettings(app));
        Assert.Contains("Coordination__TokenSigningKeys", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("kv-example", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_routes_exist_only_when_a_functions_host_started_the_app()
    {
        await using var app = await RunningApp.StartAsync();
        using var response = await app.Client.PostAsync("ProvisionStorage", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_to_a_trigger_route_is_a_400_problem_with_a_stable_code()
    {
        await using var app = await RunningApp.StartAsync(asFunctionsHost: true);
        using var response = await app.Client.PostAsync("ProvisionStorage", new StringContent("{\"Data\": {", Encoding.UTF8, "application/json"));
        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("malformed_json", (string?)problem["code"]);
        Assert.Contains("not valid JSON", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Wrongly_typed_json_is_a_validation_problem_naming_the_path()
    {
        await using var app = await RunningApp.StartAsync(asFunctionsHost: true);
        using var response = await app.Client.PostAsync("ProvisionStorage", new StringContent("{\"Data\": 42}", Encoding.UTF8, "application/json"));
        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("validation_failed", (string?)problem["code"]);
        Assert.Equal("$.Data", (string?)problem["path"]);
    }

    [Fact]
    public async Task A_body_over_the_configured_limit_is_a_413_problem()
    {
        await using var app = await RunningApp.StartAsync(asFunctionsHost: true, new Dictionary<string, string> { ["Coordination:MaxRequestBodyBytes"] = "2048" });
        var big = "{\"Data\":{\"timer\":\"" + new string('x', 4096) + "\"}}";
        using var response = await app.Client.PostAsync("ProvisionStorage", new StringContent(big, Encoding.UTF8, "application/json"));
        var problem = await ReadProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("payload_too_large", (string?)problem["code"]);
    }

    [Fact]
    public async Task Unknown_routes_and_wrong_methods_are_problems()
    {
        await using var app = await RunningApp.StartAsync();
        using var missing = await app.Client.GetAsync("api/no-such-thing");
        Assert.Equal("not_found", (string?)(await ReadProblemAsync(missing, HttpStatusCode.NotFound))["code"]);
        using var wrongMethod = await app.Client.DeleteAsync("api/health");
        Assert.Equal("method_not_allowed", (string?)(await ReadProblemAsync(wrongMethod, HttpStatusCode.MethodNotAllowed))["code"]);
    }

    [Fact]
    public async Task OpenApi_document_lists_every_operation_with_its_function_name()
    {
        await using var app = await RunningApp.StartAsync();
        var document = JsonNode.Parse(await app.Client.GetStringAsync("api/openapi.json"))!;
        Assert.Equal("3.1.0", (string?)document["openapi"]);
        var operations = OperationsOf(document);
        var endpoints = app.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints;
        var expected = OpenApiDocumentBuilder.DescribedOperations(endpoints)
            .SelectMany(o => o.Methods.Select(m => $"{m} /{o.Route} {o.FunctionName}")).Order().ToArray();
        Assert.Equal(expected, operations);
        Assert.Contains("GET /api/health GetHealth", operations);
        // The MCP endpoint is a function like every route, deliberately not described (a JSON-RPC protocol, see McpEndpoints).
        var left = FunctionManifest.ApiOperations(endpoints).Select(o => o.FunctionName).Except(OpenApiDocumentBuilder.DescribedOperations(endpoints).Select(o => o.FunctionName));
        Assert.Equal(["Mcp"], left);
    }

    [Fact]
    public async Task Generated_function_folders_validate_against_the_schemas_and_match_the_endpoints_one_to_one()
    {
        var output = Directory.CreateTempSubdirectory("functions-").FullName;
        try
        {
            // Same code path as the build step, into a clean folder.
            var app = CoordinationApp.Build(["--AzureWebJobsStorage=UseDevelopmentStorage=true"]);
            FunctionManifest.Write(app, output);
            File.Copy(Path.Combine(TestEnvironment.RepoRoot, "src", "Coordination.Functions", "host.json"), Path.Combine(output, "host.json"));

            var schemas = Path.Combine(TestEnvironment.RepoRoot, "..", "shared", "schemas");
            var validation = await NodeScript.RunAsync("validate-schemas.mjs", [schemas, output]);
            Assert.True(validation.ExitCode == 0, validation.StandardOutput + validation.StandardError);
            var report = JsonNode.Parse(validation.StandardOutput)!;
            Assert.Equal("valid", (string?)report["host"]);

            var functions = report["functions"]!.AsObject().Select(p => p.Key).ToHashSet();
            var httpRoutes = new List<string>();
            foreach (var name in functions)
            {
                var binding = JsonNode.Parse(File.ReadAllText(Path.Combine(output, name, "function.json")))!["bindings"]![0]!;
                if ((string?)binding["type"] == "httpTrigger")
                {
                    httpRoutes.AddRange(binding["methods"]!.AsArray().Select(m => $"{((string?)m)!.ToUpperInvariant()} /api/{binding["route"]} {name}"));
                }
            }
            await using var running = await RunningApp.StartAsync();
            var served = OperationsOf(JsonNode.Parse(await running.Client.GetStringAsync("api/openapi.json"))!);
            // Every described operation has its function, and so does the one deliberately left out of the document (MCP).
            Assert.Equal(served.Append($"POST {McpEndpoints.Route} {McpEndpoints.FunctionName}").Order(), httpRoutes.Order().ToArray());
            Assert.Contains("ProvisionStorage", functions);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void Build_output_contains_host_json_and_generated_functions()
    {
        var bin = Path.GetDirectoryName(typeof(CoordinationApp).Assembly.Location)!;
        Assert.True(File.Exists(Path.Combine(bin, "host.json")));
        var hostJson = JsonNode.Parse(File.ReadAllText(Path.Combine(bin, "host.json")))!;
        Assert.True((bool)hostJson["customHandler"]!["enableForwardingHttpRequest"]!);
        Assert.Equal("api", (string?)hostJson["extensions"]!["http"]!["routePrefix"]);
        Assert.True(File.Exists(Path.Combine(bin, (string)hostJson["customHandler"]!["description"]!["defaultExecutablePath"]!)));
    }

    private static string[] OperationsOf(JsonNode document) =>
        document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(op => $"{op.Key.ToUpperInvariant()} {p.Key} {op.Value!["operationId"]}"))
            .Order().ToArray();

    private static async Task<JsonObject> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)expected, (int)problem["status"]!);
        return problem;
    }
}
