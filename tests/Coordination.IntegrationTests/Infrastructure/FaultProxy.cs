using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Coordination.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback HTTP/1.1 proxy in front of Azurite that injects faults by plan. It parses each request
/// (request line, headers, Content-Length body: the storage clients never chunk), then answers, drops or
/// forwards it. Every response carries <c>Connection: close</c> and each connection carries one request, so
/// a drop always hits a fresh connection and the client's transport never retries on its own (SocketsHttpHandler
/// silently re-sends a request that failed on a reused keep-alive connection); every attempt the proxy sees is
/// an attempt of the retry policy.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, Task> _connections = new();
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly List<ProxiedExchange> _exchanges = [];
    private readonly List<string> _errors = [];
    private readonly Task _acceptLoop;
    private int _nextConnection;
    private int _disposed;

    private FaultProxy(Uri upstreamEndpoint)
    {
        _upstream = upstreamEndpoint;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Endpoint = new UriBuilder(upstreamEndpoint) { Host = "127.0.0.1", Port = port }.Uri;
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
    }

    /// <summary>The upstream endpoint with the proxy's port: point a storage connection at it.</summary>
    public Uri Endpoint { get; }

    /// <summary>
    /// The Retry-After (whole seconds) the proxy's 503s carry; null for none. With it they also carry
    /// <c>x-ms-retry-after-ms: 10</c>, which Azure.Core's retry policy reads before Retry-After to pace its own
    /// retries, so a test of a long Retry-After does not wait it out once per retry.
    /// </summary>
    public int? RetryAfterSeconds { get; set; }

    /// <summary>Every request seen so far, in arrival order.</summary>
    public IReadOnlyList<ProxiedExchange> Exchanges
    {
        get
        {
            lock (_gate)
            {
                return _exchanges.ToList();
            }
        }
    }

    /// <summary>Failures of the proxy itself (malformed traffic, unreachable upstream); a test asserts it stays empty.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return _errors.ToList();
            }
        }
    }

    /// <summary>Starts a proxy in front of <paramref name="upstreamEndpoint"/> (e.g. Azurite's table endpoint with the account path).</summary>
    public static FaultProxy Start(Uri upstreamEndpoint)
    {
        if (!IPAddress.TryParse(upstreamEndpoint.Host, out var address) || !IPAddress.IsLoopback(address))
        {
            throw new ArgumentException("The fault proxy only forwards to a loopback upstream.", nameof(upstreamEndpoint));
        }
        return new FaultProxy(upstreamEndpoint);
    }

    /// <summary>
    /// Plans <paramref name="action"/> for the next <paramref name="times"/> requests that match
    /// <paramref name="when"/> (all requests when null). Rules apply in the order planned; a request
    /// matched by no rule with uses left is forwarded.
    /// </summary>
    public FaultProxy Plan(FaultAction action, int times = 1, Func<ProxiedRequest, bool>? when = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            _rules.Add(new Rule(action, when ?? (_ => true)) { Remaining = times });
        }
        return this;
    }

    /// <summary>Plans the actions in order, one request each, for requests matching <paramref name="when"/>.</summary>
    public FaultProxy PlanSequence(Func<ProxiedRequest, bool>? when, params FaultAction[] actions)
    {
        foreach (var action in actions)
        {
            Plan(action, 1, when);
        }
        return this;
    }

    /// <summary>Drops every planned fault not used yet: from now on each request is forwarded.</summary>
    public void StopFaults()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>The exchanges whose method is <paramref name="method"/>.</summary>
    public IReadOnlyList<ProxiedExchange> ExchangesFor(string method) =>
        ExchangesMatching(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase));

    /// <summary>The exchanges whose request matches <paramref name="predicate"/> (the same shape a plan's rule takes).</summary>
    public IReadOnlyList<ProxiedExchange> ExchangesMatching(Func<ProxiedRequest, bool> predicate) =>
        Exchanges.Where(e => predicate(new ProxiedRequest(e.Method, e.Target))).ToList();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        var pending = _connections.Values.ToArray();
        var all = Task.WhenAll(pending);
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10))) != all)
        {
            throw new TimeoutException("Fault proxy connections did not stop within 10 s of dispose.");
        }
        _stopping.Dispose();
    }

    private FaultAction Decide(ProxiedRequest request)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining > 0 && rule.When(request))
                {
                    rule.Remaining--;
                    return rule.Action;
                }
            }
        }
        return FaultAction.Forward;
    }

    private void Record(ProxiedRequest request, FaultAction action, int? upstreamStatus)
    {
        lock (_gate)
        {
            _exchanges.Add(new ProxiedExchange(_exchanges.Count + 1, request.Method, request.Target, action, upstreamStatus));
        }
    }

    private void RecordError(string error)
    {
        lock (_gate)
        {
            _errors.Add(error);
        }
    }

    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var id = Interlocked.Increment(ref _nextConnection);
            _connections[id] = HandleConnectionAsync(client, stopping);
        }
    }

    private async Task HandleConnectionAsync(Socket client, CancellationToken stopping)
    {
        await Task.Yield();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var token = timeout.Token;
        try
        {
            using (client)
            await using (var stream = new NetworkStream(client, ownsSocket: false))
            {
                if (await Http1.ReadRequestAsync(stream, token) is not { } message)
                {
                    return; // the client connected and left without a request
                }
                var request = new ProxiedRequest(message.StartLine[0], message.StartLine[1]);
                if (message.Header("Transfer-Encoding") is not null || message.Header("Expect") is not null)
                {
                    RecordError($"{request.Method} {request.Target}: chunked bodies and Expect are not supported by the fault proxy.");
                    await Http1.WriteAsync(stream, Http1.Response(501, "Not Implemented", string.Empty), token);
                    return;
                }
                await ActAsync(Decide(request), request, message, client, stream, token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException && stopping.IsCancellationRequested)
        {
            // Disposed while a request was in flight: the client sees a dropped connection, which is fine.
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            // The client went away mid-exchange (e.g. its own timeout); nothing to relay.
        }
        catch (Exception e)
        {
            RecordError($"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Carries out the planned action; each exchange is recorded before the client can see its outcome, so records are in attempt order.</summary>
    private async Task ActAsync(FaultAction action, ProxiedRequest request, Http1Message message, Socket client, Stream stream, CancellationToken token)
    {
        switch (action)
        {
            case FaultAction.ServerBusy:
                Record(request, action, null);
                var json = message.Header("Accept")?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;
                await Http1.WriteAsync(stream, ServerBusyResponse(json, RetryAfterSeconds), token);
                break;
            case FaultAction.DropBeforeForwarding:
                Record(request, action, null);
                Abort(client);
                break;
            case FaultAction.DropAfterForwarding:
            {
                var response = await ForwardAsync(message, token);
                Record(request, action, Status(response));
                Abort(client);
                break;
            }
            default:
            {
                var response = await ForwardAsync(message, token);
                Record(request, action, Status(response));
                // Relay the upstream's body bytes as they came (Content-Length or chunked); only the connection handling changes.
                await Http1.WriteAsync(stream, response.ToBytes(response.Headers.Where(h => !Http1.IsHopByHop(h.Name)).Append(("Connection", "close"))), token);
                break;
            }
        }
    }

    /// <summary>Sends the request upstream on a fresh connection and reads the whole response (to EOF: the upstream is told to close).</summary>
    private async Task<Http1Message> ForwardAsync(Http1Message request, CancellationToken token)
    {
        try
        {
            using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await upstream.ConnectAsync(IPAddress.Loopback, _upstream.Port, token);
            await using var stream = new NetworkStream(upstream, ownsSocket: false);
            var headers = request.Headers
                .Where(h => !Http1.IsHopByHop(h.Name) && !h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase))
                .Prepend(("Host", $"127.0.0.1:{_upstream.Port}"))
                .Append(("Connection", "close"));
            await Http1.WriteAsync(stream, request.ToBytes(headers), token);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, token);
            return Http1.ParseResponse(buffer.ToArray());
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
        {
            // Not the client's connection: a broken upstream is a failure of the test setup, not a fault under test.
            throw new InvalidOperationException($"Forwarding {request.StartLine[0]} {request.StartLine[1]} to 127.0.0.1:{_upstream.Port} failed: {e.Message}", e);
        }
    }

    private static int Status(Http1Message response) => int.Parse(response.StartLine[1], CultureInfo.InvariantCulture);

    /// <summary>A 503 as the service sends it: an odata error for Table clients (they ask for JSON), XML for Queue clients.</summary>
    private static byte[] ServerBusyResponse(bool json, int? retryAfterSeconds)
    {
        const string message = "The server is busy (injected by the fault proxy).";
        var (body, contentType) = json
            ? (JsonSerializer.Serialize(new Dictionary<string, object> { ["odata.error"] = new { code = "ServerBusy", message = new { lang = "en-US", value = message } } }), "application/json;odata=minimalmetadata")
            : ($"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ServerBusy</Code><Message>{message}</Message></Error>", "application/xml");
        (string, string)[] headers = [("x-ms-error-code", "ServerBusy"), ("Content-Type", contentType)];
        return Http1.Response(503, "Server Busy", body, retryAfterSeconds is { } seconds
            ? [.. headers, ("Retry-After", seconds.ToString(CultureInfo.InvariantCulture)), ("x-ms-retry-after-ms", "10")]
            : headers);
    }

    /// <summary>Resets the connection (RST, no response bytes), the way a dying front end or load balancer drops it.</summary>
    private static void Abort(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private sealed class Rule(FaultAction action, Func<ProxiedRequest, bool> when)
    {
        public FaultAction Action { get; } = action;

        public Func<ProxiedRequest, bool> When { get; } = when;

        public int Remaining { get; set; }
    }
}
