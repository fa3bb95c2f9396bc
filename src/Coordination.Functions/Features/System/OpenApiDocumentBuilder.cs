using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Functions.Platform;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Coordination.Functions.Features.System;

/// <summary>
/// Builds the OpenAPI 3.1 document from the same routing table the function manifest uses, with parameter
/// and response shapes from ASP.NET's API explorer and JSON Schemas from System.Text.Json. Built once.
/// </summary>
public sealed class OpenApiDocumentBuilder(EndpointDataSource endpoints, IApiDescriptionGroupCollectionProvider explorer)
{
    private readonly Lazy<string> _document = new(() => Build(endpoints, explorer));

    /// <summary>The document as JSON text.</summary>
    public string Document => _document.Value;

    private static string Build(EndpointDataSource endpoints, IApiDescriptionGroupCollectionProvider explorer)
    {
        var descriptions = explorer.ApiDescriptionGroups.Items.SelectMany(g => g.Items)
            .Where(d => d.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().Any())
            .ToDictionary(d => (d.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().First().EndpointName, d.HttpMethod?.ToUpperInvariant()));
        var schemas = new OpenApiSchemas();
        var paths = new JsonObject();
        foreach (var operation in DescribedOperations(endpoints.Endpoints).OrderBy(o => o.Route, StringComparer.Ordinal))
        {
            var path = "/" + operation.Route.Replace("{**", "{", StringComparison.Ordinal);
            var item = paths[path] as JsonObject ?? new JsonObject();
            paths[path] = item;
            foreach (var method in operation.Methods)
            {
                descriptions.TryGetValue((operation.FunctionName, method), out var description);
                item[method.ToLowerInvariant()] = Operation(operation, description, schemas);
            }
        }
        var document = new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "CoordinationFunctions",
                ["version"] = typeof(OpenApiDocumentBuilder).Assembly.GetName().Version?.ToString() ?? "1.0.0",
                ["description"] = "Durable coordination for multi-agent systems. Errors are RFC 9457 problem+json with a stable `code`.",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = WithProblem(schemas.Components),
                ["securitySchemes"] = new JsonObject
                {
                    ["tenantKey"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["description"] = "A tenant API key (ck_…): creates and administers the tenant's swarms." },
                    ["agentToken"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["description"] = "An agent token (ct_…) from joining a swarm; valid for that swarm only. The operation's x-required-role is the least role it needs." },
                    ["streamToken"] = new JsonObject { ["type"] = "apiKey", ["in"] = "query", ["name"] = "access_token", ["description"] = "A short-lived, read-only stream token (cs_…) from POST /api/swarms/{id}/stream-tokens, for clients that cannot send headers (a browser EventSource). Never logged." },
                },
            },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = global::System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>
    /// The operations the document describes: every API operation but those excluded from description (the MCP endpoint,
    /// a JSON-RPC protocol whose contract is the MCP specification and its own tools/list, not a REST operation).
    /// </summary>
    public static IEnumerable<ApiOperation> DescribedOperations(IEnumerable<Endpoint> endpoints) =>
        FunctionManifest.ApiOperations(endpoints).Where(o => o.Endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true });

    private static JsonObject Operation(ApiOperation operation, ApiDescription? description, OpenApiSchemas schemas)
    {
        var result = new JsonObject { ["operationId"] = operation.FunctionName };
        var metadata = operation.Endpoint.Metadata;
        if (metadata.GetMetadata<AccessRequirement>() is { Access: Access.Member or Access.Writer or Access.Coordinator } member)
        {
            result["x-required-role"] = member.Access switch { Access.Coordinator => "coordinator", Access.Writer => "worker", _ => "observer" };
        }
        if (metadata.GetMetadata<IEndpointSummaryMetadata>() is { } summary)
        {
            result["summary"] = summary.Summary;
        }
        if (metadata.GetMetadata<ITagsMetadata>() is { } tags)
        {
            result["tags"] = new JsonArray(tags.Tags.Select(t => (JsonNode)t).ToArray());
        }
        var parameters = Parameters(operation, description, schemas);
        if (parameters.Count > 0)
        {
            result["parameters"] = parameters;
        }
        if (description?.ParameterDescriptions.FirstOrDefault(p => p.Source == BindingSource.Body) is { Type: { } bodyType })
        {
            result["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schemas.For(bodyType) } },
            };
        }
        var hasBody = result.ContainsKey("requestBody");
        var problems = ProblemResponses.Of(metadata, hasBody, parameters.Any(p => (string?)p!["in"] == "query"), operation.Route.Contains("{id}", StringComparison.Ordinal));
        result["responses"] = Responses(description, problems, schemas);
        result["security"] = Security(metadata);
        return result;
    }

    /// <summary>The route's path parameters, then the query parameters the handler binds.</summary>
    private static JsonArray Parameters(ApiOperation operation, ApiDescription? description, OpenApiSchemas schemas)
    {
        var parameters = new JsonArray();
        foreach (var parameter in operation.Endpoint.RoutePattern.Parameters)
        {
            parameters.Add(new JsonObject { ["name"] = parameter.Name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }
        var enums = operation.Endpoint.Metadata.GetOrderedMetadata<QueryEnumMetadata>();
        foreach (var parameter in description?.ParameterDescriptions.Where(p => p.Source == BindingSource.Query) ?? [])
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name);
            parameters.Add(new JsonObject
            {
                ["name"] = name,
                ["in"] = "query",
                ["required"] = parameter.IsRequired,
                ["schema"] = schemas.For(enums.FirstOrDefault(e => e.Parameter == name)?.EnumType ?? parameter.Type ?? typeof(string)),
            });
        }
        return parameters;
    }

    /// <summary>The responses the handler declares, and per error status the problems (by code) the operation may answer.</summary>
    private static JsonObject Responses(ApiDescription? description, IReadOnlyList<ProblemType> problems, OpenApiSchemas schemas)
    {
        var responses = new JsonObject();
        foreach (var response in description?.SupportedResponseTypes ?? [])
        {
            var entry = new JsonObject { ["description"] = ReasonPhrase(response.StatusCode) };
            if (response.Type is { } type && type != typeof(void))
            {
                entry["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schemas.For(type) } };
            }
            responses[Status(response.StatusCode)] = entry;
        }
        foreach (var group in problems.GroupBy(p => p.Status))
        {
            var codes = group.Select(p => p.Code).ToList();
            responses[Status(group.Key)] = new JsonObject
            {
                ["description"] = string.Join("; ", group.Select(p => $"`{p.Code}`: {p.Title}")),
                ["content"] = new JsonObject
                {
                    ["application/problem+json"] = new JsonObject
                    {
                        ["schema"] = new JsonObject
                        {
                            ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + ProblemSchemaName }),
                            ["properties"] = new JsonObject
                            {
                                ["status"] = new JsonObject { ["const"] = group.Key },
                                ["code"] = new JsonObject { ["enum"] = new JsonArray(codes.Select(c => (JsonNode)c).ToArray()) },
                            },
                        },
                    },
                },
            };
        }
        // Ascending status order, as people read a list of responses.
        return new JsonObject(responses.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => KeyValuePair.Create(r.Key, r.Value?.DeepClone())));
    }

    /// <summary>Who may call: nobody in particular, a tenant key, or an agent token (with the least role, as <c>x-required-role</c>).</summary>
    /// <summary>The credentials an operation takes, as alternatives: its access level's, plus any the route also accepts.</summary>
    private static JsonArray Security(EndpointMetadataCollection metadata)
    {
        JsonObject Scheme(string name) => new() { [name] = new JsonArray() };
        var security = metadata.GetMetadata<AccessRequirement>()!.Access switch
        {
            Access.Anonymous => new JsonArray(),
            Access.Tenant => new JsonArray(Scheme("tenantKey")),
            Access.AnyCredential => new JsonArray(Scheme("agentToken"), Scheme("tenantKey")),
            _ => new JsonArray(Scheme("agentToken")),
        };
        if (metadata.GetMetadata<OwningTenantKeyAccepted>() is not null)
        {
            security.Add(Scheme("tenantKey"));
        }
        if (metadata.GetMetadata<StreamTokenAccepted>() is not null)
        {
            security.Add(Scheme("streamToken"));
        }
        return security;
    }

    private static string Status(int status) => status.ToString(global::System.Globalization.CultureInfo.InvariantCulture);

    private const string ProblemSchemaName = "Problem";

    private static JsonObject WithProblem(JsonObject components)
    {
        components[ProblemSchemaName] = ProblemSchema();
        return components;
    }

    private static JsonObject ProblemSchema() => new()
    {
        ["type"] = "object",
        ["required"] = new JsonArray("type", "title", "status", "code"),
        ["properties"] = new JsonObject
        {
            ["type"] = new JsonObject { ["type"] = "string" },
            ["title"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "integer" },
            ["detail"] = new JsonObject { ["type"] = "string" },
            ["instance"] = new JsonObject { ["type"] = "string" },
            ["code"] = new JsonObject { ["type"] = "string" },
            ["traceId"] = new JsonObject { ["type"] = "string" },
        },
    };

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Response";
}
