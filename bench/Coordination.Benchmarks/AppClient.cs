using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Coordination.Benchmarks;

/// <summary>One API answer: status, parsed JSON body, and the app's storage-call report headers.</summary>
public readonly record struct Reply(int Status, JsonNode? Body, string Text, int Calls, int Conflicts)
{
    /// <summary>A 2xx answer.</summary>
    public bool Ok => Status is >= 200 and < 300;

    /// <summary>A short description for error notes.</summary>
    public string Describe() => $"{Status}: {(Text.Length > 200 ? Text[..200] : Text)}";
}

/// <summary>A swarm made for one scenario run: its id, join code, coordinator token and how far its log was read.</summary>
public sealed class BenchSwarm(string id, string joinCode, string coordinatorToken)
{
    public string Id { get; } = id;
    public string JoinCode { get; } = joinCode;
    public string CoordinatorToken { get; } = coordinatorToken;
    public long LogEnd { get; set; }
    public string Path(string rest) => $"api/swarms/{Id}/{rest}";
}

/// <summary>
/// Loopback HTTP to the app: one pooled, keep-alive HttpClient shared by every simulated client (each request
/// carries its own bearer token), plus the set-up calls scenarios need outside their timed window.
/// </summary>
public sealed class AppClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly string _tenantKey;
    private int _swarms;

    public AppClient(Uri baseAddress, string tenantKey)
    {
        _tenantKey = tenantKey;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
            UseCookies = false,
        };
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        // Server-Sent Events: no overall timeout, the reader cancels it.
        Streaming = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>A client without a timeout, for long-lived streams.</summary>
    public HttpClient Streaming { get; }

    public Task<Reply> PostAsync(string path, string? bearer, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Post, path, bearer, body, ct);

    public Task<Reply> PutAsync(string path, string? bearer, object? body, CancellationToken ct = default) => SendAsync(HttpMethod.Put, path, bearer, body, ct);

    public Task<Reply> GetAsync(string path, string? bearer, CancellationToken ct = default) => SendAsync(HttpMethod.Get, path, bearer, null, ct);

    public Task<Reply> DeleteAsync(string path, string? bearer, CancellationToken ct = default) => SendAsync(HttpMethod.Delete, path, bearer, null, ct);

    public async Task<Reply> SendAsync(HttpMethod method, string path, string? bearer, object? body, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }
        using var response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        JsonNode? json = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType is { } media && media.Contains("json", StringComparison.Ordinal))
        {
            json = JsonNode.Parse(text);
        }
        return new Reply((int)response.StatusCode, json, text, Header(response, "X-Storage-Calls"), Header(response, "X-Storage-Conflicts"));
    }

    /// <summary>The app's storage calls so far by kind (query, pointRead, transaction, write, queue), background work included.</summary>
    public async Task<Dictionary<string, long>> StorageCallTotalsAsync(CancellationToken ct = default)
    {
        var reply = await GetAsync("diagnostics/storage-calls", null, ct).ConfigureAwait(false);
        return reply.Body is JsonObject totals ? totals.ToDictionary(pair => pair.Key, pair => (long)pair.Value!) : [];
    }

    /// <summary>Serializes a request body once, for ops that send the same body many times.</summary>
    public static string Body(object body) => JsonSerializer.Serialize(body, Json);

    /// <summary>Creates a fresh swarm for one scenario run.</summary>
    public async Task<BenchSwarm> CreateSwarmAsync(string name, int maxAgents)
    {
        var number = Interlocked.Increment(ref _swarms);
        var reply = await PostAsync("api/swarms", _tenantKey, new { name = $"bench {number} {name}", goal = "benchmark", maxAgents }).ConfigureAwait(false);
        Require(reply, 201, "create a swarm");
        return new BenchSwarm((string)reply.Body!["swarmId"]!, (string)reply.Body!["joinCode"]!, (string)reply.Body!["token"]!);
    }

    /// <summary>Joins <paramref name="count"/> workers named <c>{prefix}{i}</c>, 8 at a time; returns their tokens in order.</summary>
    public async Task<string[]> JoinManyAsync(BenchSwarm swarm, string prefix, int count)
    {
        var tokens = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var reply = await PostAsync("api/swarms/join", null, new { joinCode = swarm.JoinCode, swarmId = swarm.Id, role = "worker", agentId = $"{prefix}{i}" }, ct).ConfigureAwait(false);
            Require(reply, 201, $"join {prefix}{i}");
            tokens[i] = (string)reply.Body!["token"]!;
        }).ConfigureAwait(false);
        return tokens;
    }

    /// <summary>
    /// Waits (bounded) until the swarm's background sequencer has caught up: reads the log forward until two reads
    /// 150 ms apart find nothing new, so one run's leftover sequencing does not land in the next run's window.
    /// </summary>
    public async Task SettleAsync(BenchSwarm swarm, TimeSpan? limit = null) => await SettleCoreAsync(swarm, limit, note: false).ConfigureAwait(false);

    /// <summary>Settles after the measured window and notes how far background sequencing was behind.</summary>
    public async Task SettleAfterWindowAsync(BenchSwarm swarm) => await SettleCoreAsync(swarm, TimeSpan.FromSeconds(8), note: true).ConfigureAwait(false);

    private async Task SettleCoreAsync(BenchSwarm swarm, TimeSpan? limit, bool note)
    {
        var started = DateTime.UtcNow;
        var deadline = started + (limit ?? TimeSpan.FromSeconds(20));
        var quiet = 0;
        while (quiet < 2 && DateTime.UtcNow < deadline)
        {
            var reply = await GetAsync(swarm.Path($"events?cursor={swarm.LogEnd}&limit=1000"), swarm.CoordinatorToken).ConfigureAwait(false);
            Require(reply, 200, "read the event log");
            var events = reply.Body!["items"]!.AsArray();
            if (events.Count == 0)
            {
                quiet++;
                await Task.Delay(150).ConfigureAwait(false);
            }
            else
            {
                swarm.LogEnd = long.Parse((string)reply.Body!["nextCursor"]!, System.Globalization.CultureInfo.InvariantCulture);
                quiet = 0;
            }
        }
        var took = DateTime.UtcNow - started;
        if (!note)
        {
            return;
        }
        if (quiet < 2)
        {
            SettleNotes.Add($"the log was still growing {took.TotalSeconds:0} s after the window (background sequencing behind)");
        }
        else if (took > TimeSpan.FromSeconds(3))
        {
            SettleNotes.Add($"background sequencing needed {took.TotalSeconds:0} s to catch up after the window");
        }
    }

    /// <summary>What settling noticed during the current scenario run (cleared by the caller).</summary>
    public List<string> SettleNotes { get; } = [];

    /// <summary>Throws unless the reply has the expected status (set-up calls only; timed ops record errors instead).</summary>
    public static void Require(Reply reply, int status, string what)
    {
        if (reply.Status != status)
        {
            throw new InvalidOperationException($"Could not {what}: expected {status}, got {reply.Describe()}");
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        Streaming.Dispose();
    }

    private static int Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
