using Coordination.Client.Events;
using Coordination.Client.Http;
using Coordination.Client.Locks;
using Coordination.Client.Messaging;
using Coordination.Client.Presence;
using Coordination.Client.State;
using Coordination.Client.Swarms;
using Coordination.Client.Service;
using Coordination.Client.Tasks;
using Coordination.Core.Swarms;

namespace Coordination.Client;

/// <summary>
/// The CoordinationFunctions API, one property per feature: <c>client.Tasks.ClaimAsync(…)</c>,
/// <c>client.Locks.AcquireAsync(…)</c>, … A client carries one credential (an agent token bound to its swarm, or a
/// tenant key); <see cref="WithCredentials(string, string?)"/> makes another over the same connections. Safe to share
/// between threads.
/// </summary>
public sealed class CoordinationClient : IDisposable
{
    /// <summary>
    /// How long a new connection may take: the call has no overall timeout (long polls and streams last as long as their
    /// wait), so without this a host that drops packets would hang a call until the operating system gives up.
    /// </summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly bool _ownsHttp;

    /// <summary>A client with its own connections and the retry policy, for use without dependency injection.</summary>
    /// <param name="options">Where the API is, and the credential.</param>
    public CoordinationClient(CoordinationClientOptions options)
        : this(new HttpClient(RetryHandler.Create(options, new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = ConnectTimeout }))
        {
            BaseAddress = RequireBase(options),
            Timeout = Timeout.InfiniteTimeSpan,
        }, options, ownsHttp: true)
    {
    }

    /// <summary>A client with its own connections: <paramref name="baseAddress"/>, an optional bearer <paramref name="token"/> and its swarm.</summary>
    /// <param name="baseAddress">The service's root address.</param>
    /// <param name="token">An agent token or tenant key.</param>
    /// <param name="swarmId">The swarm an agent token belongs to.</param>
    public CoordinationClient(Uri baseAddress, string? token = null, string? swarmId = null)
        : this(new CoordinationClientOptions { BaseAddress = baseAddress, Token = token, SwarmId = swarmId })
    {
    }

    /// <summary>
    /// A client over <paramref name="http"/> (e.g. from <c>IHttpClientFactory</c>, whose handlers bring the retry
    /// policy: see <c>AddCoordinationClient</c>). Its <see cref="HttpClient.BaseAddress"/> is set from the options when unset.
    /// </summary>
    /// <param name="http">The HTTP client to send with; not disposed by this client.</param>
    /// <param name="options">The credential and swarm (and the base address when <paramref name="http"/> has none).</param>
    public CoordinationClient(HttpClient http, CoordinationClientOptions options)
        : this(http, options, ownsHttp: false)
    {
    }

    private CoordinationClient(HttpClient http, CoordinationClientOptions options, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.BaseAddress ??= RequireBase(options);
        _ownsHttp = ownsHttp;
        var transport = new ApiTransport(http, options.Token, options.SwarmId);
        Transport = transport;
        Swarms = new SwarmsClient(transport);
        Tasks = new TasksClient(transport);
        Locks = new LocksClient(transport);
        State = new StateClient(transport);
        Messages = new MessagesClient(transport);
        Agents = new AgentsClient(transport);
        Events = new EventsClient(transport);
        Service = new ServiceClient(transport);
    }

    /// <summary>The service's root address.</summary>
    public Uri BaseAddress => Transport.Http.BaseAddress!;

    /// <summary>The swarm swarm-scoped calls go to (null for a tenant client).</summary>
    public string? SwarmId => Transport.SwarmId;

    /// <summary>Swarms: create, join, members, leave, archive, tokens.</summary>
    public SwarmsClient Swarms { get; }

    /// <summary>The task queue: create, claim with leases, renew, complete, fail, list, statistics, recovery.</summary>
    public TasksClient Tasks { get; }

    /// <summary>Locks with fencing tokens.</summary>
    public LocksClient Locks { get; }

    /// <summary>Shared, versioned key-value state.</summary>
    public StateClient State { get; }

    /// <summary>Direct and broadcast messages, inbox, threads, catch-up.</summary>
    public MessagesClient Messages { get; }

    /// <summary>Presence: heartbeats, capabilities, who is active.</summary>
    public AgentsClient Agents { get; }

    /// <summary>The event log: query, broadcast, live stream, subscriptions, topics.</summary>
    public EventsClient Events { get; }

    /// <summary>Health and the OpenAPI document.</summary>
    public ServiceClient Service { get; }

    internal ApiTransport Transport { get; }

    /// <summary>A client for another credential over this client's connections (dispose this one last).</summary>
    /// <param name="token">An agent token or tenant key.</param>
    /// <param name="swarmId">The swarm the token belongs to.</param>
    public CoordinationClient WithCredentials(string token, string? swarmId = null) =>
        new(Transport.Http, new CoordinationClientOptions { Token = token, SwarmId = swarmId }, ownsHttp: false);

    /// <summary>A client acting as the agent a create, join or coordinator-token call returned.</summary>
    /// <param name="credentials">The agent's credentials.</param>
    public CoordinationClient WithCredentials(AgentCredentials credentials) => WithCredentials(credentials.Token, credentials.SwarmId);

    /// <summary>A client acting as the coordinator a swarm creation returned.</summary>
    /// <param name="created">The creation's answer.</param>
    public CoordinationClient WithCredentials(CreateSwarmResponse created) => WithCredentials(created.Token, created.SwarmId);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            Transport.Http.Dispose();
        }
    }

    private static Uri RequireBase(CoordinationClientOptions options)
    {
        var address = options.BaseAddress ?? throw new ArgumentException("CoordinationClientOptions.BaseAddress is required.", nameof(options));
        // Every call is relative ("api/swarms/…"): a base address whose path lacks its trailing slash would lose the
        // path's last segment (https://host/coord → https://host/api/…).
        return address.AbsolutePath.EndsWith('/') ? address : new Uri(address + "/");
    }
}
