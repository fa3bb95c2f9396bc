using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Coordination.Storage.WebPubSub;

/// <summary>A client's connection details: the WebSocket URL with its token.</summary>
/// <param name="Url">The full client URL: <c>wss://host/client/hubs/{hub}?access_token=…</c>.</param>
/// <param name="BaseUrl">The URL without the token.</param>
/// <param name="Token">The client access token.</param>
/// <param name="ExpiresAt">When the token expires.</param>
public sealed record WebPubSubClientAccess(Uri Url, Uri BaseUrl, string Token, DateTimeOffset ExpiresAt);

/// <summary>
/// A thin client for one hub of the Web PubSub data-plane REST API, shaped like Azure.Messaging.WebPubSub's
/// <c>WebPubSubServiceClient</c>: send to a group or a user, and client access URLs. Access-key connections sign
/// every attempt with an HS256 token whose audience is the exact request URL; identity connections send an Entra
/// token for <c>https://webpubsub.azure.com/.default</c> and ask the service to generate client tokens.
/// Uses the storage clients' retry policy; its calls are not storage calls, so they are not counted.
/// </summary>
public sealed class WebPubSubServiceClient
{
    /// <summary>The REST API version, the one the official clients send.</summary>
    public const string ApiVersion = "2024-12-01";

    private const string Scope = "https://webpubsub.azure.com/.default";

    private readonly HttpPipeline _pipeline;
    private readonly WebPubSubConnection _connection;
    private readonly TimeProvider _clock;

    /// <summary>Creates a client for <paramref name="hub"/>.</summary>
    public WebPubSubServiceClient(WebPubSubConnection connection, string hub, WebPubSubClientOptions? options = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!IsValidHubName(hub))
        {
            throw new ArgumentException($"'{hub}' is not a valid hub name: a letter, then letters, digits or '_', at most 128 characters.", nameof(hub));
        }
        _connection = connection;
        _clock = clock ?? TimeProvider.System;
        Hub = hub;
        HttpPipelinePolicy auth = connection.AccessKey is { } key
            ? new AccessKeyPolicy(key, _clock)
            : new BearerTokenAuthenticationPolicy(connection.TokenCredential!, Scope);
        _pipeline = HttpPipelineBuilder.Build(options ?? new WebPubSubClientOptions(), [], [auth], new ResponseClassifier());
    }

    /// <summary>The hub.</summary>
    public string Hub { get; }

    /// <summary>The service endpoint.</summary>
    public Uri Endpoint => _connection.Endpoint;

    /// <summary>True for hub names the service accepts (the common subset).</summary>
    public static bool IsValidHubName(string? hub) =>
        hub is { Length: >= 1 and <= 128 } && char.IsAsciiLetter(hub[0]) && hub.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Sends <paramref name="content"/> to every connection in <paramref name="group"/>; the service answers 202.</summary>
    public Task SendToGroupAsync(string group, BinaryData content, string contentType = "application/json", CancellationToken cancellationToken = default) =>
        SendAsync(CreateSendToGroupRequest(group, content, contentType), cancellationToken);

    /// <summary>Sends <paramref name="content"/> to every connection of <paramref name="userId"/>; the service answers 202.</summary>
    public Task SendToUserAsync(string userId, BinaryData content, string contentType = "application/json", CancellationToken cancellationToken = default) =>
        SendAsync(CreateSendToUserRequest(userId, content, contentType), cancellationToken);

    /// <summary>
    /// A client URL whose token names <paramref name="userId"/>, grants <paramref name="roles"/> and joins
    /// <paramref name="groups"/> at connect. Key based: signed here. Identity based: the service's <c>:generateToken</c>.
    /// </summary>
    public async Task<WebPubSubClientAccess> GetClientAccessAsync(string? userId, IReadOnlyList<string> roles, IReadOnlyList<string> groups, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        var expiresAt = now + lifetime;
        string token;
        if (_connection.AccessKey is { } key)
        {
            token = WebPubSubJwt.ForClient(Endpoint, Hub, userId, roles, groups, now, lifetime, key);
        }
        else
        {
            using var message = CreateGenerateTokenRequest(userId, roles, groups, lifetime);
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (message.Response.Status != 200)
            {
                throw new RequestFailedException(message.Response);
            }
            using var body = JsonDocument.Parse(message.Response.Content.ToMemory());
            token = body.RootElement.GetProperty("token").GetString() ?? throw new RequestFailedException("The service returned no token.");
        }
        var scheme = Endpoint.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var baseUrl = new Uri($"{scheme}://{Endpoint.Authority}/client/hubs/{Hub}");
        return new WebPubSubClientAccess(new Uri(baseUrl.AbsoluteUri + "?access_token=" + Uri.EscapeDataString(token)), baseUrl, token, expiresAt);
    }

    internal HttpMessage CreateSendToGroupRequest(string group, BinaryData content, string contentType)
    {
        if (group is not { Length: >= 1 and <= 1024 })
        {
            throw new ArgumentException("A group name has 1 to 1024 characters.", nameof(group));
        }
        return CreateSendRequest($"/groups/{Uri.EscapeDataString(group)}/:send", content, contentType);
    }

    internal HttpMessage CreateSendToUserRequest(string userId, BinaryData content, string contentType)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return CreateSendRequest($"/users/{Uri.EscapeDataString(userId)}/:send", content, contentType);
    }

    internal HttpMessage CreateGenerateTokenRequest(string? userId, IReadOnlyList<string> roles, IReadOnlyList<string> groups, TimeSpan lifetime)
    {
        var message = CreateRequest(RequestMethod.Post, "/:generateToken");
        var uri = message.Request.Uri;
        if (userId is not null)
        {
            uri.AppendQuery("userId", userId);
        }
        foreach (var role in roles)
        {
            uri.AppendQuery("role", role);
        }
        foreach (var group in groups)
        {
            uri.AppendQuery("group", group);
        }
        uri.AppendQuery("minutesToExpire", ((int)Math.Ceiling(lifetime.TotalMinutes)).ToString(CultureInfo.InvariantCulture));
        uri.AppendQuery("api-version", ApiVersion);
        message.Request.Headers.Add("Accept", "application/json");
        return message;
    }

    private HttpMessage CreateSendRequest(string path, BinaryData content, string contentType)
    {
        var message = CreateRequest(RequestMethod.Post, path);
        message.Request.Uri.AppendQuery("api-version", ApiVersion);
        message.Request.Headers.Add("Content-Type", contentType);
        message.Request.Content = RequestContent.Create(content);
        return message;
    }

    private HttpMessage CreateRequest(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        var uri = new RequestUriBuilder();
        uri.Reset(Endpoint);
        uri.AppendPath("/api/hubs/" + Hub + path, escape: false);
        message.Request.Uri = uri;
        return message;
    }

    private async Task SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        using (message)
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (message.Response.Status != 202)
            {
                throw new RequestFailedException(message.Response);
            }
        }
    }

    /// <summary>Signs each attempt: the token's audience is the attempt's exact URL, so it is made per request.</summary>
    private sealed class AccessKeyPolicy(string accessKey, TimeProvider clock) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) =>
            message.Request.Headers.SetValue("Authorization", "Bearer " + WebPubSubJwt.ForRequest(message.Request.Uri.ToUri(), accessKey, clock.GetUtcNow()));
    }
}
