using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
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
        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var operation in FunctionManifest.ApiOperations(endpoints.Endpoints).OrderBy(o => o.Route, StringComparer.Ordinal))
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
                ["schemas"] = schemas,
                ["securitySchemes"] = new JsonObject
                {
                    ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["description"] = "Tenant key (ck_…) or agent token (ct_…)." },
                },
            },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = global::System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static JsonObject Operation(ApiOperation operation, ApiDescription? description, JsonObject schemas)
    {
        var result = new JsonObject { ["operationId"] = operation.FunctionName };
        var metadata = operation.Endpoint.Metadata;
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
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = SchemaRef(bodyType, schemas) } },
            };
        }
        result["responses"] = Responses(description, schemas);
        return result;
    }

    /// <summary>The route's path parameters, then the query parameters the handler binds.</summary>
    private static JsonArray Parameters(ApiOperation operation, ApiDescription? description, JsonObject schemas)
    {
        var parameters = new JsonArray();
        foreach (var parameter in operation.Endpoint.RoutePattern.Parameters)
        {
            parameters.Add(new JsonObject { ["name"] = parameter.Name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }
        foreach (var parameter in description?.ParameterDescriptions.Where(p => p.Source == BindingSource.Query) ?? [])
        {
            parameters.Add(new JsonObject
            {
                ["name"] = JsonNamingPolicy.CamelCase.ConvertName(parameter.Name),
                ["in"] = "query",
                ["required"] = parameter.IsRequired,
                ["schema"] = SchemaRef(parameter.Type ?? typeof(string), schemas),
            });
        }
        return parameters;
    }

    /// <summary>The responses the handler declares, and the problem every operation may answer.</summary>
    private static JsonObject Responses(ApiDescription? description, JsonObject schemas)
    {
        var responses = new JsonObject();
        foreach (var response in description?.SupportedResponseTypes ?? [])
        {
            var entry = new JsonObject { ["description"] = ReasonPhrase(response.StatusCode) };
            if (response.Type is { } type && type != typeof(void))
            {
                entry["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = SchemaRef(type, schemas) } };
            }
            responses[response.StatusCode.ToString(global::System.Globalization.CultureInfo.InvariantCulture)] = entry;
        }
        responses["default"] = new JsonObject
        {
            ["description"] = "A problem (RFC 9457) with a stable `code`.",
            ["content"] = new JsonObject { ["application/problem+json"] = new JsonObject { ["schema"] = ProblemSchema() } },
        };
        return responses;
    }

    private static JsonNode SchemaRef(Type type, JsonObject schemas)
    {
        if (type.IsPrimitive || type == typeof(string) || type == typeof(DateTimeOffset) || Nullable.GetUnderlyingType(type) is not null || type.IsEnum)
        {
            return JsonDefaults.Options.GetJsonSchemaAsNode(type);
        }
        var name = type.Name;
        if (!schemas.ContainsKey(name))
        {
            schemas[name] = JsonDefaults.Options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
        }
        return new JsonObject { ["$ref"] = "#/components/schemas/" + name };
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
