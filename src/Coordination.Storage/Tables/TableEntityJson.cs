using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Azure;

namespace Coordination.Storage.Tables;

/// <summary>
/// Reads and writes entities in the Table service's JSON format. Writes annotate every type JSON
/// cannot carry (Int64, Double, DateTime, Guid, Binary) with <c>@odata.type</c>; reads expect
/// <c>odata=minimalmetadata</c>, where the service annotates the same types.
/// </summary>
internal static class TableEntityJson
{
    private const string DateFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static byte[] Serialize(TableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, entity);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, TableEntity entity)
    {
        writer.WriteStartObject();
        writer.WriteString("PartitionKey", entity.PartitionKey);
        writer.WriteString("RowKey", entity.RowKey);
        foreach (var (name, value) in entity)
        {
            switch (value)
            {
                case string s:
                    writer.WriteString(name, s);
                    break;
                case bool b:
                    writer.WriteBoolean(name, b);
                    break;
                case int i:
                    writer.WriteNumber(name, i);
                    break;
                case long l:
                    writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                    writer.WriteString(name + "@odata.type", "Edm.Int64");
                    break;
                case double d:
                    WriteDouble(writer, name, d);
                    writer.WriteString(name + "@odata.type", "Edm.Double");
                    break;
                case DateTimeOffset dto:
                    writer.WriteString(name, dto.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture));
                    writer.WriteString(name + "@odata.type", "Edm.DateTime");
                    break;
                case Guid g:
                    writer.WriteString(name, g.ToString("D"));
                    writer.WriteString(name + "@odata.type", "Edm.Guid");
                    break;
                case byte[] bytes:
                    writer.WriteBase64String(name, bytes);
                    writer.WriteString(name + "@odata.type", "Edm.Binary");
                    break;
            }
        }
        writer.WriteEndObject();
    }

    private static void WriteDouble(Utf8JsonWriter writer, string name, double d)
    {
        if (double.IsNaN(d))
        {
            writer.WriteString(name, "NaN");
        }
        else if (double.IsPositiveInfinity(d))
        {
            writer.WriteString(name, "Infinity");
        }
        else if (double.IsNegativeInfinity(d))
        {
            writer.WriteString(name, "-Infinity");
        }
        else
        {
            writer.WriteNumber(name, d);
        }
    }

    /// <summary>Reads an entity; the client always selects the keys, so they are present.</summary>
    public static TableEntity Read(JsonElement json, ETag etagFromHeader = default)
    {
        var partitionKey = json.GetProperty("PartitionKey").GetString() ?? string.Empty;
        var rowKey = json.GetProperty("RowKey").GetString() ?? string.Empty;
        var entity = new TableEntity(partitionKey, rowKey) { ETag = etagFromHeader };
        foreach (var property in json.EnumerateObject())
        {
            var name = property.Name;
            if (name is "PartitionKey" or "RowKey" || name.Contains('@') || name.StartsWith("odata.", StringComparison.Ordinal))
            {
                if (name == "odata.etag" && property.Value.GetString() is { } etag)
                {
                    entity.ETag = new ETag(etag);
                }
                continue;
            }
            if (name == "Timestamp")
            {
                entity.Timestamp = DateTimeOffset.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
                continue;
            }
            var edmType = json.TryGetProperty(name + "@odata.type", out var annotation) ? annotation.GetString() : null;
            entity[name] = ReadValue(property.Value, edmType, name);
        }
        return entity;
    }

    private static object? ReadValue(JsonElement value, string? edmType, string name)
    {
        switch (edmType)
        {
            case "Edm.Int64":
                return value.ValueKind == JsonValueKind.Number ? value.GetInt64() : long.Parse(value.GetString()!, CultureInfo.InvariantCulture);
            case "Edm.Double":
                return ReadDouble(value);
            case "Edm.DateTime":
                return DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
            case "Edm.Guid":
                return Guid.Parse(value.GetString()!);
            case "Edm.Binary":
                return value.GetBytesFromBase64();
            case "Edm.Int32":
                return value.GetInt32();
            case "Edm.Boolean":
                return value.GetBoolean();
            case "Edm.String":
                return value.GetString();
            case null:
                break;
            default:
                throw new FormatException($"Property '{name}' has unsupported type {edmType}.");
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when value.TryGetInt32(out var i) => i,
            JsonValueKind.Number => value.GetDouble(),
            JsonValueKind.Null => null,
            _ => throw new FormatException($"Property '{name}' has an unexpected JSON {value.ValueKind}."),
        };
    }

    private static double ReadDouble(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        _ => value.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" or "INF" => double.PositiveInfinity,
            "-Infinity" or "-INF" => double.NegativeInfinity,
            var s => double.Parse(s!, CultureInfo.InvariantCulture),
        },
    };
}
