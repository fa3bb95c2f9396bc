using Azure.Core;

namespace Coordination.Storage.WebPubSub;

/// <summary>
/// Where a Web PubSub service lives and how to authenticate to it: the access key from a connection string
/// (<c>Endpoint=https://x.webpubsub.azure.com;AccessKey=…;Version=1.0;[Port=…]</c>), or a
/// <see cref="TokenCredential"/> (managed identity), with which client tokens come from the service.
/// </summary>
public sealed class WebPubSubConnection
{
    private WebPubSubConnection(Uri endpoint, string? accessKey, TokenCredential? credential)
    {
        Endpoint = endpoint;
        AccessKey = accessKey;
        TokenCredential = credential;
    }

    /// <summary>The service endpoint without a trailing slash, e.g. <c>https://x.webpubsub.azure.com</c> (port included when given).</summary>
    public Uri Endpoint { get; }

    /// <summary>The access key (HMAC secret for HS256 tokens), when key based.</summary>
    public string? AccessKey { get; }

    /// <summary>The Entra credential, when identity based.</summary>
    public TokenCredential? TokenCredential { get; }

    /// <summary>An identity-based connection.</summary>
    public static WebPubSubConnection FromTokenCredential(Uri endpoint, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new WebPubSubConnection(CheckEndpoint(endpoint.AbsoluteUri), null, credential);
    }

    /// <summary>
    /// Parses a connection string. Names are case-insensitive; an endpoint without a scheme means https (as the
    /// official SDKs read it); <c>Port</c> replaces the endpoint's port.
    /// </summary>
    /// <exception cref="FormatException">Malformed, or Endpoint or AccessKey missing.</exception>
    public static WebPubSubConnection Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException("The Web PubSub connection string has a malformed segment (expected Name=Value).");
            }
            settings[segment[..equals].Trim()] = segment[(equals + 1)..].Trim();
        }
        if (!settings.TryGetValue("Endpoint", out var endpointText) || endpointText.Length == 0)
        {
            throw new FormatException("The Web PubSub connection string has no Endpoint.");
        }
        if (!settings.TryGetValue("AccessKey", out var key) || key.Length == 0)
        {
            throw new FormatException("The Web PubSub connection string has no AccessKey; use the endpoint setting with a managed identity instead.");
        }
        if (!endpointText.StartsWith("http", StringComparison.OrdinalIgnoreCase))
        {
            endpointText = "https://" + endpointText;
        }
        var endpoint = CheckEndpoint(endpointText);
        if (settings.TryGetValue("Port", out var portText))
        {
            if (!int.TryParse(portText, out var port) || port is < 1 or > 65535)
            {
                throw new FormatException("The Web PubSub connection string's Port is not a port number.");
            }
            endpoint = CheckEndpoint(new UriBuilder(endpoint) { Port = port }.Uri.AbsoluteUri);
        }
        return new WebPubSubConnection(endpoint, key, null);
    }

    private static Uri CheckEndpoint(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.AbsolutePath.Trim('/').Length > 0 || uri.Query.Length > 0)
        {
            throw new FormatException("The Web PubSub endpoint must be an absolute http(s) URI without a path or query.");
        }
        return new Uri(uri.GetLeftPart(UriPartial.Authority));
    }
}
