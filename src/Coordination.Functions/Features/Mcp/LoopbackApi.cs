using Coordination.Functions.Platform;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Coordination.Functions.Features.Mcp;

/// <summary>
/// The app's own HTTP API, reached over loopback, which the MCP tools call with the caller's credential. Going through
/// HTTP rather than calling the services keeps one implementation of access control, validation, idempotency, quotas
/// and problem codes for the HTTP API, the MCP endpoint and the stdio server (which calls the same API from outside):
/// a tool can never do what the route it stands for would refuse, nor refuse it differently.
/// </summary>
public sealed class LoopbackApi(IServer server, FunctionsHostEnvironment host) : IDisposable
{
    // Above the longest wait a tool can ask for (a lock's waitTimeout, 120 s), so the API ends a wait, not this client.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(150);

    private readonly Lazy<HttpClient> _http = new(() => new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        BaseAddress = OwnAddress(server, host),
        Timeout = Timeout,
    });

    /// <summary>A client whose base address is the app itself; shared by every request (its credential goes per request).</summary>
    public HttpClient Http => _http.Value;

    /// <summary>
    /// Where this app listens: under the Functions host, 127.0.0.1 on FUNCTIONS_CUSTOMHANDLER_PORT (the only place it
    /// listens); standalone, the server's first address, with a wildcard or localhost host made 127.0.0.1.
    /// </summary>
    private static Uri OwnAddress(IServer server, FunctionsHostEnvironment host)
    {
        if (host.CustomHandlerPort is { } port)
        {
            return new Uri($"http://127.0.0.1:{port}/");
        }
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.Select(BindingAddress.Parse).OrderBy(a => a.Scheme == "http" ? 0 : 1).FirstOrDefault()
            ?? throw new InvalidOperationException("The server has no address yet: the MCP tools call the app's own API, so it must be listening.");
        var hostName = address.Host is "+" or "*" or "0.0.0.0" or "[::]" or "localhost" ? "127.0.0.1" : address.Host;
        return new Uri($"{address.Scheme}://{hostName}:{address.Port}/");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }
}
