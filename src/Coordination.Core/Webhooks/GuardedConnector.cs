using System.Net;
using System.Net.Sockets;

namespace Coordination.Core.Webhooks;

/// <summary>A webhook target that resolved only to addresses deliveries may not connect to.</summary>
/// <param name="host">The host name or literal of the target.</param>
/// <param name="refused">Each address it resolved to, with its kind.</param>
public sealed class RefusedTargetException(string host, IReadOnlyList<(IPAddress Address, TargetAddressKind Kind)> refused)
    : IOException($"'{host}' resolves only to addresses webhooks may not reach: " +
                  string.Join(", ", refused.Select(r => $"{r.Address} ({r.Kind})")) + " (Coordination__Webhooks__AllowPrivateTargets allows them for local use).")
{
    /// <summary>The refused addresses and their kinds.</summary>
    public IReadOnlyList<(IPAddress Address, TargetAddressKind Kind)> Refused { get; } = refused;
}

/// <summary>
/// Connects webhook deliveries only to allowed addresses. The check is made on the addresses this connection actually
/// uses: the name is resolved here, each address vetted, and the socket connected to a vetted one. Checking a name
/// resolved earlier (at registration, or by a pre-flight lookup) would let DNS rebinding swap in 127.0.0.1 between the
/// check and the connect.
/// </summary>
public sealed class GuardedConnector(bool allowPrivateTargets)
{
    /// <summary>An HTTP handler for deliveries: guarded connects, no redirects followed (a 3xx is the endpoint's answer).</summary>
    /// <param name="allowPrivateTargets">Allow every address (local development and tests with a loopback receiver).</param>
    /// <param name="connectTimeout">How long a connection may take.</param>
    public static SocketsHttpHandler CreateHandler(bool allowPrivateTargets, TimeSpan connectTimeout) => new()
    {
        ConnectCallback = new GuardedConnector(allowPrivateTargets).ConnectAsync,
        ConnectTimeout = connectTimeout,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    /// <summary>The addresses of <paramref name="host"/> a delivery may connect to, in resolution order; throws when there are none.</summary>
    /// <param name="host">A host name or an address literal.</param>
    /// <param name="ct">Cancels the lookup.</param>
    public async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken ct)
    {
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        var addresses = IPAddress.TryParse(literal, out var parsed) ? [parsed] : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        var allowed = addresses.Where(a => TargetAddresses.IsAllowed(a, allowPrivateTargets)).ToArray();
        return allowed.Length > 0 ? allowed : throw new RefusedTargetException(host, [.. addresses.Select(a => (a, TargetAddresses.Classify(a)))]);
    }

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/>: resolve, vet, connect to a vetted address.</summary>
    /// <param name="context">The host and port to reach.</param>
    /// <param name="ct">Cancels the connect.</param>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var allowed = await ResolveAllowedAsync(context.DnsEndPoint.Host, ct).ConfigureAwait(false);
        // A dual-mode IPv6 socket reaches IPv4 addresses too; ConnectAsync tries the vetted addresses in order.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
