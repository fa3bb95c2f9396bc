using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coordination.IntegrationTests.Swarms;

/// <summary>
/// Issue 12, identity: a browser's EventSource cannot send an Authorization header, so a member mints a short-lived,
/// read-only stream token that GET stream routes accept as <c>?access_token=</c> (before, SSE needed the header). It
/// works nowhere else, is revoked with the member's token, and never reaches the log.
/// </summary>
public sealed class StreamTokenTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private RunningApp App => fixture.App;

    [Fact]
    public async Task A_member_mints_a_stream_token_that_opens_the_event_stream_from_the_query_string_alone()
    {
        var swarm = await App.CreateSwarmAsync();
        var observer = await App.JoinAsync(swarm, "dashboard", role: "observer");

        var (token, expiresAt) = await MintAsync(App, swarm, observer);
        Assert.StartsWith("cs_", token, StringComparison.Ordinal);
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));

        await using var stream = await SseReader.OpenAsync(App.Client, StreamUrl(swarm, token));
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        var first = await stream.NextAsync(Wait);
        Assert.Equal("swarm.created", first?.Event);
    }

    [Fact]
    public async Task A_stream_token_is_refused_on_other_routes_on_writes_in_the_header_and_on_another_swarm()
    {
        var swarm = await App.CreateSwarmAsync();
        var other = await App.CreateSwarmAsync();
        var worker = await App.JoinAsync(swarm, "browser-user");
        var (token, _) = await MintAsync(App, swarm, worker);
        var query = "?access_token=" + Uri.EscapeDataString(token);

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, $"api/swarms/{swarm.SwarmId}{query}"),
            (HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/events{query}"),
            (HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/tasks{query}"),
            (HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/events{query}"),
            (HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/stream-tokens{query}"),
        })
        {
            using var response = await App.SendAsync(method, path, bearer: null, method == HttpMethod.Post ? new { type = "sneaky.write" } : null);
            await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        }

        // Not a bearer token, even on the stream route; an agent token is not taken from the URL; the prefix is signed.
        foreach (var bearer in new[] { token, "ct_" + token[3..] })
        {
            using var header = await App.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/events/stream", bearer);
            await SwarmApi.EnsureProblemAsync(header, HttpStatusCode.Unauthorized, "unauthorized");
        }
        foreach (var inUrl in new[] { worker, "ct_" + token[3..], token + "x" })
        {
            using var agentTokenInUrl = await App.SendAsync(HttpMethod.Get, StreamUrl(swarm, inUrl), bearer: null);
            await SwarmApi.EnsureProblemAsync(agentTokenInUrl, HttpStatusCode.Unauthorized, "unauthorized");
        }
        using (var elsewhere = await App.SendAsync(HttpMethod.Get, StreamUrl(other, token), bearer: null))
        {
            await SwarmApi.EnsureProblemAsync(elsewhere, HttpStatusCode.NotFound, "not_found");
        }
        Assert.Empty(await App.ReadAllEventsAsync(swarm, type: "sneaky.write"));
    }

    [Fact]
    public async Task A_stream_token_is_revoked_when_its_member_leaves_or_rejoins()
    {
        var swarm = await App.CreateSwarmAsync();
        var leaver = await App.JoinAsync(swarm, "leaver");
        var rejoiner = await App.JoinAsync(swarm, "rejoiner");
        var (leaverStream, _) = await MintAsync(App, swarm, leaver);
        var (rejoinerStream, _) = await MintAsync(App, swarm, rejoiner);

        using (var leave = await App.SendAsync(HttpMethod.Delete, $"api/swarms/{swarm.SwarmId}/members/leaver", leaver))
        {
            await SwarmApi.EnsureAsync(leave, HttpStatusCode.NoContent);
        }
        using (var rejoin = await App.SendAsync(HttpMethod.Post, "api/swarms/join", bearer: null, new { joinCode = swarm.JoinCode, role = "worker", agentId = "rejoiner" }))
        {
            await SwarmApi.EnsureAsync(rejoin, HttpStatusCode.OK);
        }

        foreach (var token in new[] { leaverStream, rejoinerStream })
        {
            using var response = await App.SendAsync(HttpMethod.Get, StreamUrl(swarm, token), bearer: null);
            await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public async Task A_stream_token_expires_after_its_configured_lifetime()
    {
        var clock = new ShiftableClock();
        await using var app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Coordination:StreamTokenLifetimeSeconds"] = "60" },
            configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var swarm = await app.CreateSwarmAsync();
        var (token, expiresAt) = await MintAsync(app, swarm, swarm.CoordinatorToken);
        Assert.InRange(expiresAt - clock.GetUtcNow(), TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(61));

        clock.Advance(TimeSpan.FromSeconds(61));
        using var response = await app.SendAsync(HttpMethod.Get, StreamUrl(swarm, token), bearer: null);
        await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task The_stream_token_never_reaches_the_log_even_with_request_logging_turned_up()
    {
        var log = new CapturingLoggerProvider();
        // An operator turning every log up, request logging included (it writes each request's query string).
        var settings = new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
        };
        await using var app = await RunningApp.StartAsync(settings: settings, configureServices: s => s.AddSingleton<ILoggerProvider>(log));
        var swarm = await app.CreateSwarmAsync();
        var (token, _) = await MintAsync(app, swarm, swarm.CoordinatorToken);

        await using (var stream = await SseReader.OpenAsync(app.Client, StreamUrl(swarm, token)))
        {
            Assert.Equal("swarm.created", (await stream.NextAsync(Wait))?.Event);
        }
        using (var refused = await app.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/tasks?access_token={token}", bearer: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var lines = log.Lines.ToList();
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains(token[..20], StringComparison.Ordinal) || l.Contains("access_token", StringComparison.Ordinal));
    }

    private static string StreamUrl(TestSwarm swarm, string token) => $"api/swarms/{swarm.SwarmId}/events/stream?access_token={Uri.EscapeDataString(token)}";

    private static async Task<(string Token, DateTimeOffset ExpiresAt)> MintAsync(RunningApp app, TestSwarm swarm, string bearer)
    {
        using var response = await app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/stream-tokens", bearer);
        var body = await SwarmApi.EnsureAsync(response, HttpStatusCode.OK);
        return ((string)body["token"]!, DateTimeOffset.Parse((string)body["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Every log line the app writes: category, the formatted message, each structured value and the exception.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull
            {
                lines.Enqueue($"{category} scope {state}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
                lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}
