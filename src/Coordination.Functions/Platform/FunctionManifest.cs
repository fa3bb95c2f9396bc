using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.Functions.Platform;

/// <summary>An HTTP operation of the public API, as the routing table holds it.</summary>
/// <param name="FunctionName">The endpoint name (<c>WithName</c>), which is also the function name.</param>
/// <param name="Methods">Upper-case HTTP methods.</param>
/// <param name="Route">The app's route without the leading slash, e.g. <c>api/swarms/{id}</c>.</param>
/// <param name="Endpoint">The routed endpoint.</param>
public sealed record ApiOperation(string FunctionName, IReadOnlyList<string> Methods, string Route, RouteEndpoint Endpoint)
{
    /// <summary>The route the Functions host matches: the app route without the <c>api/</c> prefix, catch-alls in host syntax.</summary>
    public string FunctionRoute => Route[FunctionManifest.RoutePrefix.Length..].Replace("{**", "{*", StringComparison.Ordinal);
}

/// <summary>
/// Generates the Functions host's view of the app: one folder per HTTP operation and per trigger, each with
/// a <c>function.json</c>. The app's routing table and trigger table are the only inputs, so the two cannot drift.
/// </summary>
public static class FunctionManifest
{
    /// <summary>The host's route prefix (host.json <c>extensions.http.routePrefix</c>); every public route starts with it.</summary>
    public const string RoutePrefix = "api/";

    /// <summary>Every public HTTP operation. Throws when one has no function name: each endpoint needs its function.</summary>
    public static IReadOnlyList<ApiOperation> ApiOperations(IEnumerable<Endpoint> endpoints)
    {
        var operations = new List<ApiOperation>();
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>())
        {
            var route = (endpoint.RoutePattern.RawText ?? string.Empty).Trim('/');
            if (!route.StartsWith(RoutePrefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
                ?? throw new InvalidOperationException($"Endpoint '{route}' has no name: give it .WithName(\"FunctionName\") so it gets its function.");
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods
                ?? throw new InvalidOperationException($"Endpoint '{name}' accepts every method; declare its methods.");
            operations.Add(new ApiOperation(name, methods.Select(m => m.ToUpperInvariant()).ToList(), route, endpoint));
        }
        var duplicate = operations.GroupBy(o => o.FunctionName, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? operations : throw new InvalidOperationException($"Function name '{duplicate.Key}' is used by {duplicate.Count()} endpoints.");
    }

    /// <summary>The function.json documents, keyed by function name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> Build(WebApplication app)
    {
        var functions = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var operation in ApiOperations(((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints)))
        {
            functions.Add(operation.FunctionName, HttpFunction(operation));
        }
        foreach (var trigger in app.Services.GetRequiredService<TriggerRegistry>().Triggers)
        {
            if (!functions.TryAdd(trigger.Name, TriggerFunction(trigger)))
            {
                throw new InvalidOperationException($"Trigger '{trigger.Name}' has the same name as an HTTP function.");
            }
        }
        return functions;
    }

    /// <summary>Writes the folders, removing folders of functions that no longer exist. Returns how many were written.</summary>
    public static int Write(WebApplication app, string outputDirectory)
    {
        var functions = Build(app);
        Directory.CreateDirectory(outputDirectory);
        foreach (var stale in Directory.EnumerateDirectories(outputDirectory)
                     .Where(d => File.Exists(Path.Combine(d, "function.json")) && !functions.ContainsKey(Path.GetFileName(d))))
        {
            Directory.Delete(stale, recursive: true);
        }
        var indented = new JsonSerializerOptions { WriteIndented = true };
        foreach (var (name, json) in functions)
        {
            var folder = Path.Combine(outputDirectory, name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "function.json"), json.ToJsonString(indented) + "\n");
        }
        return functions.Count;
    }

    private static JsonObject HttpFunction(ApiOperation operation) => new()
    {
        ["bindings"] = new JsonArray(
            new JsonObject
            {
                ["type"] = "httpTrigger",
                ["direction"] = "in",
                ["name"] = "req",
                // The app authenticates every call itself (tenant keys, agent tokens).
                ["authLevel"] = "anonymous",
                ["methods"] = new JsonArray(operation.Methods.Select(m => (JsonNode)m.ToLowerInvariant()).ToArray()),
                ["route"] = operation.FunctionRoute,
            },
            new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
    };

    private static JsonObject TriggerFunction(TriggerDefinition trigger)
    {
        var binding = trigger.Kind switch
        {
            TriggerKind.Timer => new JsonObject
            {
                ["type"] = "timerTrigger",
                ["direction"] = "in",
                ["name"] = trigger.BindingName,
                ["schedule"] = trigger.Schedule,
                ["runOnStartup"] = false,
                ["useMonitor"] = true,
            },
            _ => new JsonObject
            {
                ["type"] = "queueTrigger",
                ["direction"] = "in",
                ["name"] = trigger.BindingName,
                ["queueName"] = trigger.QueueNameSetting is { } setting ? $"%{setting}%" : trigger.QueueName,
                ["connection"] = "AzureWebJobsStorage",
            },
        };
        return new JsonObject { ["bindings"] = new JsonArray(binding) };
    }
}
