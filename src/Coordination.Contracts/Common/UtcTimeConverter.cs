using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coordination.Core.Common;

/// <summary>
/// Writes every time as UTC with a <c>Z</c> and seven fractional digits (<c>2026-12-02T09:51:27.3520401Z</c>): an offset
/// such as <c>+00:00</c> turns into a space when pasted unencoded into a query string. Reads any ISO 8601 time.
/// </summary>
public sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
{
    /// <summary>The wire format of a time.</summary>
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    /// <inheritdoc />
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}
