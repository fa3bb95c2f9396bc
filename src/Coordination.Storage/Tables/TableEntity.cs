using System.Collections;
using Azure;

namespace Coordination.Storage.Tables;

/// <summary>
/// One table row: PartitionKey, RowKey, ETag, Timestamp and typed properties. Supported property types
/// are <see cref="string"/>, <see cref="bool"/>, <see cref="int"/>, <see cref="long"/>, <see cref="double"/>,
/// <see cref="DateTimeOffset"/>, <see cref="Guid"/> and <see cref="byte"/>[] (Edm.String, Boolean, Int32,
/// Int64, Double, DateTime, Guid, Binary). Keys here are raw table keys; encode user strings with
/// <see cref="TableKeyCodec"/> first.
/// </summary>
public sealed class TableEntity : IEnumerable<KeyValuePair<string, object>>
{
    private readonly Dictionary<string, object> _properties = new(StringComparer.Ordinal);

    /// <summary>Creates an entity with the given keys.</summary>
    public TableEntity(string partitionKey, string rowKey)
    {
        PartitionKey = partitionKey ?? throw new ArgumentNullException(nameof(partitionKey));
        RowKey = rowKey ?? throw new ArgumentNullException(nameof(rowKey));
    }

    /// <summary>The partition key.</summary>
    public string PartitionKey { get; }

    /// <summary>The row key.</summary>
    public string RowKey { get; }

    /// <summary>The ETag the service returned for this version of the entity.</summary>
    public ETag ETag { get; set; }

    /// <summary>The service-managed last-modified time (read only on the service side).</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>Number of custom properties.</summary>
    public int Count => _properties.Count;

    /// <summary>Gets or sets a property; setting null removes it. Values must be of a supported type.</summary>
    public object? this[string name]
    {
        get => _properties.GetValueOrDefault(name);
        set
        {
            ValidateName(name);
            if (value is null)
            {
                _properties.Remove(name);
                return;
            }
            _properties[name] = Normalize(name, value);
        }
    }

    /// <summary>True when the property exists.</summary>
    public bool ContainsKey(string name) => _properties.ContainsKey(name);

    /// <summary>The string property, or null.</summary>
    public string? GetString(string name) => Get<string>(name);

    /// <summary>The boolean property, or null.</summary>
    public bool? GetBoolean(string name) => GetValue<bool>(name);

    /// <summary>The Int32 property, or null.</summary>
    public int? GetInt32(string name) => GetValue<int>(name);

    /// <summary>The Int64 property, or null. An Int32 value widens.</summary>
    public long? GetInt64(string name) => _properties.GetValueOrDefault(name) switch
    {
        null => null,
        long l => l,
        int i => i,
        var other => throw WrongType(name, typeof(long), other),
    };

    /// <summary>The double property, or null. Integer values widen.</summary>
    public double? GetDouble(string name) => _properties.GetValueOrDefault(name) switch
    {
        null => null,
        double d => d,
        int i => i,
        var other => throw WrongType(name, typeof(double), other),
    };

    /// <summary>The DateTime property, or null.</summary>
    public DateTimeOffset? GetDateTimeOffset(string name) => GetValue<DateTimeOffset>(name);

    /// <summary>The Guid property, or null.</summary>
    public Guid? GetGuid(string name) => GetValue<Guid>(name);

    /// <summary>The binary property, or null.</summary>
    public byte[]? GetBinary(string name) => Get<byte[]>(name);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private T? Get<T>(string name) where T : class => _properties.GetValueOrDefault(name) switch
    {
        null => null,
        T value => value,
        var other => throw WrongType(name, typeof(T), other),
    };

    private T? GetValue<T>(string name) where T : struct => _properties.GetValueOrDefault(name) switch
    {
        null => null,
        T value => value,
        var other => throw WrongType(name, typeof(T), other),
    };

    private static InvalidOperationException WrongType(string name, Type wanted, object actual) =>
        new($"Property '{name}' is {actual.GetType().Name}, not {wanted.Name}.");

    private static object Normalize(string name, object value) => value switch
    {
        string or bool or int or long or double or Guid or byte[] => value,
        DateTimeOffset dto => dto.ToUniversalTime(),
        DateTime dt => new DateTimeOffset(dt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(dt, DateTimeKind.Utc) : dt.ToUniversalTime()),
        _ => throw new ArgumentException($"Property '{name}' has unsupported type {value.GetType().Name}.", nameof(value)),
    };

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag" || name.Contains('@') || name.StartsWith("odata.", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is a reserved property name.", nameof(name));
        }
    }
}
