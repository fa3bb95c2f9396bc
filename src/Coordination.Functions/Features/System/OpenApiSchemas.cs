using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Coordination.Functions.Http;

namespace Coordination.Functions.Features.System;

/// <summary>
/// JSON Schemas for the OpenAPI document, from System.Text.Json's exporter with the API's own serializer options,
/// corrected where the exporter cannot know what the API writes: a nullable property is omitted when null (the
/// options write no nulls), so it is optional and never null; unless it is marked to always be written
/// (<c>JsonIgnoreCondition.Never</c>, e.g. <c>nextCursor</c>), when it is required and nullable. Times go through a
/// custom converter, which the exporter describes as "anything"; they are strings in date-time format.
/// </summary>
internal sealed class OpenApiSchemas
{
    private static readonly JsonSchemaExporterOptions ExporterOptions = new()
    {
        TreatNullObliviousAsNonNullable = true,
        TransformSchemaNode = Transform,
    };

    /// <summary>Times are written in UTC with a <c>Z</c> (never an offset), to the tick.</summary>
    public const string UtcTimePattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$";

    /// <summary>The named schemas collected so far (the document's <c>components.schemas</c>).</summary>
    public JsonObject Components { get; } = new();

    /// <summary>A schema for <paramref name="type"/>: inline for scalars, else a reference to a named component.</summary>
    public JsonNode For(Type type)
    {
        var scalar = Nullable.GetUnderlyingType(type) ?? type;
        if (scalar.IsPrimitive || scalar == typeof(string) || scalar == typeof(DateTimeOffset) || scalar.IsEnum)
        {
            return JsonDefaults.Options.GetJsonSchemaAsNode(type, ExporterOptions);
        }
        var name = NameOf(type);
        if (!Components.ContainsKey(name))
        {
            Components[name] = JsonDefaults.Options.GetJsonSchemaAsNode(type, ExporterOptions);
        }
        return new JsonObject { ["$ref"] = "#/components/schemas/" + name };
    }

    /// <summary>A component name without .NET generic syntax: <c>ListPage&lt;TaskView&gt;</c> is <c>TaskViewPage</c>.</summary>
    private static string NameOf(Type type) =>
        type.IsGenericType ? string.Concat(type.GetGenericArguments().Select(NameOf)) + type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)].Replace("List", string.Empty, StringComparison.Ordinal)
        : type.Name;

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema)
    {
        var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            var nullable = schema is JsonObject { } o && o["type"] is JsonArray;
            return new JsonObject { ["type"] = nullable ? new JsonArray("string", "null") : "string", ["format"] = "date-time", ["pattern"] = UtcTimePattern };
        }
        if (context.TypeInfo.Kind == JsonTypeInfoKind.Object && schema is JsonObject { } objectSchema && objectSchema["properties"] is JsonObject properties)
        {
            foreach (var property in context.TypeInfo.Properties.Where(p => p.IsGetNullable && !AlwaysWritten(p)))
            {
                (objectSchema["required"] as JsonArray)?.Remove(((JsonArray)objectSchema["required"]!).FirstOrDefault(r => (string?)r == property.Name));
                if (properties[property.Name] is JsonObject propertySchema)
                {
                    WithoutNull(propertySchema);
                }
            }
            if (objectSchema["required"] is JsonArray { Count: 0 })
            {
                objectSchema.Remove("required");
            }
        }
        return schema;
    }

    private static bool AlwaysWritten(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>()
            .Any(a => a.Condition == JsonIgnoreCondition.Never) == true;

    /// <summary>Drops <c>null</c> from a property schema's type (and enum): the API omits the property instead.</summary>
    private static void WithoutNull(JsonObject schema)
    {
        if (schema["type"] is JsonArray types)
        {
            var kept = types.Select(t => (string?)t).Where(t => t != "null").ToList();
            schema["type"] = kept.Count == 1 ? kept[0] : new JsonArray(kept.Select(t => (JsonNode?)t).ToArray());
        }
        if (schema["enum"] is JsonArray values && values.Any(v => v is null))
        {
            schema["enum"] = new JsonArray(values.Where(v => v is not null).Select(v => v!.DeepClone()).ToArray());
        }
    }
}
