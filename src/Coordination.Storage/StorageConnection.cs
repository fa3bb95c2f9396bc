using Azure.Core;

namespace Coordination.Storage;

/// <summary>
/// Where the storage account lives and how to authenticate to it: either a shared key parsed from a
/// connection string (Azurite, key-based accounts) or a <see cref="TokenCredential"/> (managed identity).
/// </summary>
public sealed class StorageConnection
{
    /// <summary>The Azurite well-known development account name.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>The Azurite well-known development account key (public, documented by Microsoft).</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageConnection(Uri tableEndpoint, Uri queueEndpoint, StorageSharedKeyCredential? sharedKey, TokenCredential? token)
    {
        TableEndpoint = tableEndpoint;
        QueueEndpoint = queueEndpoint;
        SharedKey = sharedKey;
        TokenCredential = token;
    }

    /// <summary>Base URI of the Table service (path-style on Azurite: ends with the account name).</summary>
    public Uri TableEndpoint { get; }

    /// <summary>Base URI of the Queue service.</summary>
    public Uri QueueEndpoint { get; }

    /// <summary>Shared key credential, when the connection string carried an account key.</summary>
    public StorageSharedKeyCredential? SharedKey { get; }

    /// <summary>Token credential, when the connection is identity based.</summary>
    public TokenCredential? TokenCredential { get; }

    /// <summary>Builds an identity-based connection (Microsoft Entra ID, e.g. managed identity).</summary>
    public static StorageConnection FromTokenCredential(Uri tableEndpoint, Uri queueEndpoint, TokenCredential credential) =>
        new(TrimSlash(tableEndpoint), TrimSlash(queueEndpoint), null, credential);

    /// <summary>
    /// Parses a storage connection string: <c>UseDevelopmentStorage=true</c>, account name and key with
    /// <c>DefaultEndpointsProtocol</c>/<c>EndpointSuffix</c>, or explicit <c>TableEndpoint</c>/<c>QueueEndpoint</c>.
    /// </summary>
    /// <exception cref="FormatException">The string is malformed or lacks what is needed.</exception>
    public static StorageConnection Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var settings = ParseSettings(connectionString);

        if (settings.TryGetValue("UseDevelopmentStorage", out var useDev) && string.Equals(useDev, "true", StringComparison.OrdinalIgnoreCase))
        {
            var proxy = settings.TryGetValue("DevelopmentStorageProxyUri", out var p) ? ParseEndpoint("DevelopmentStorageProxyUri", p) : new Uri("http://127.0.0.1");
            return new StorageConnection(
                new Uri($"{proxy.Scheme}://{proxy.Host}:10002/{DevelopmentAccountName}"),
                new Uri($"{proxy.Scheme}://{proxy.Host}:10001/{DevelopmentAccountName}"),
                new StorageSharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey),
                null);
        }

        if (!settings.TryGetValue("AccountName", out var account) || string.IsNullOrWhiteSpace(account))
        {
            throw new FormatException("The storage connection string has no AccountName (and is not UseDevelopmentStorage=true).");
        }
        if (!settings.TryGetValue("AccountKey", out var key) || string.IsNullOrWhiteSpace(key))
        {
            throw new FormatException("The storage connection string has no AccountKey; use an identity-based connection for keyless accounts.");
        }

        var protocol = settings.TryGetValue("DefaultEndpointsProtocol", out var proto) ? proto.ToLowerInvariant() : "https";
        if (protocol is not ("https" or "http"))
        {
            throw new FormatException("The storage connection string's DefaultEndpointsProtocol must be https or http.");
        }
        var suffix = settings.TryGetValue("EndpointSuffix", out var sfx) ? sfx : "core.windows.net";
        const string derived = " (derived from AccountName and EndpointSuffix)";
        var table = settings.TryGetValue("TableEndpoint", out var te)
            ? ParseEndpoint("TableEndpoint", te)
            : ParseEndpoint("TableEndpoint" + derived, $"{protocol}://{account}.table.{suffix}");
        var queue = settings.TryGetValue("QueueEndpoint", out var qe)
            ? ParseEndpoint("QueueEndpoint", qe)
            : ParseEndpoint("QueueEndpoint" + derived, $"{protocol}://{account}.queue.{suffix}");
        return new StorageConnection(TrimSlash(table), TrimSlash(queue), new StorageSharedKeyCredential(account, key), null);
    }

    private static Dictionary<string, string> ParseSettings(string connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"The storage connection string has a malformed segment (expected Name=Value) at position {connectionString.IndexOf(segment, StringComparison.Ordinal)}.");
            }
            settings[segment[..equals].Trim()] = segment[(equals + 1)..].Trim();
        }
        return settings;
    }

    /// <summary>
    /// An absolute http(s) URI, or a <see cref="FormatException"/> that names the setting. Without the scheme check a
    /// path such as "/x" would pass: on Unix it parses as an absolute file URI.
    /// </summary>
    private static Uri ParseEndpoint(string setting, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new FormatException($"The storage connection string's {setting} is not an absolute http or https URI.");
        }
        return uri;
    }

    private static Uri TrimSlash(Uri uri) => new(uri.AbsoluteUri.TrimEnd('/'));
}
