using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>
/// A loopback TCP forwarder in front of the app whose open connections can be cut at once, as a network drop would
/// cut a long-lived stream. Keeps the head of every request it forwarded (to check what a reconnect sent).
/// </summary>
public sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, (TcpClient Client, TcpClient Upstream)> _open = new();
    private readonly ConcurrentQueue<string> _requestHeads = new();
    private readonly Task _acceptLoop;
    private int _connections;

    /// <summary>Starts forwarding to 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public CuttableProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptAsync();
    }

    /// <summary>Where clients connect.</summary>
    public Uri Address { get; }

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The first bytes (request line and headers) of each connection, in arrival order.</summary>
    public IReadOnlyList<string> RequestHeads => [.. _requestHeads];

    /// <summary>Closes every open connection, both sides.</summary>
    public void CutAll()
    {
        foreach (var (id, pair) in _open)
        {
            pair.Client.Client.Close();
            pair.Upstream.Client.Close();
            _open.TryRemove(id, out _);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            var id = Interlocked.Increment(ref _connections);
            var upstream = new TcpClient();
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stopping.Token);
            _open[id] = (client, upstream);
            _ = PumpAsync(client.GetStream(), upstream.GetStream(), recordHead: true);
            _ = PumpAsync(upstream.GetStream(), client.GetStream(), recordHead: false);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool recordHead)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stopping.Token)) > 0)
            {
                if (recordHead)
                {
                    _requestHeads.Enqueue(Encoding.ASCII.GetString(buffer, 0, read));
                    recordHead = false;
                }
                await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Cut, or the other side closed.
        }
        finally
        {
            to.Close();
        }
    }
}
