using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>One request as the recording server saw it.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path as sent (still escaped).</param>
/// <param name="Query">Query string as sent, with its '?'.</param>
/// <param name="ContentType">Content-Type header.</param>
/// <param name="Authorization">Authorization header.</param>
/// <param name="Body">Body text.</param>
/// <param name="Url">The full URL the client addressed (scheme, host, port, path, query).</param>
/// <param name="Status">What the server answered.</param>
public sealed record RecordedRequest(string Method, string Path, string Query, string? ContentType, string? Authorization, string Body, string Url, int Status);

/// <summary>
/// A loopback HTTP server standing in for Azure Web PubSub: records every request and answers 202 Accepted
/// (or <see cref="FailWith"/> while set).
/// </summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>http://127.0.0.1:{port}</summary>
    public Uri Endpoint { get; }

    /// <summary>Everything received, in arrival order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>When set, every request is answered with this status instead of 202.</summary>
    public int? FailWith { get; set; }

    /// <summary>Starts a server on a free loopback port.</summary>
    public static async Task<RecordingServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        RecordingServer? server = null;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var request = context.Request;
            var url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path.ToUriComponent()}{request.QueryString}";
            var status = server!.FailWith ?? StatusCodes.Status202Accepted;
            server.Requests.Enqueue(new RecordedRequest(request.Method, request.Path.ToUriComponent(), request.QueryString.Value ?? string.Empty,
                request.ContentType, request.Headers.Authorization.ToString(), body, url, status));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new RecordingServer(app, new Uri(address));
        return server;
    }

    /// <summary>A Web PubSub connection string pointing at this server.</summary>
    public string ConnectionString(string accessKey) => $"Endpoint=http://127.0.0.1;Port={Endpoint.Port};AccessKey={accessKey};Version=1.0;";

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds for the recorded requests.</summary>
    public async Task<bool> WaitUntilAsync(Func<IReadOnlyList<RecordedRequest>, bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (condition(Requests.ToList()))
            {
                return true;
            }
            await Task.Delay(50);
        }
        return condition(Requests.ToList());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
