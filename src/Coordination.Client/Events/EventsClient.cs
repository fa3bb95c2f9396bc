using Coordination.Client.Http;
using Coordination.Core.Common;
using Coordination.Core.Events;

namespace Coordination.Client.Events;

/// <summary>The swarm's ordered, append-only event log: query, broadcast, follow live, subscriptions and topics.</summary>
public sealed class EventsClient
{
    private readonly ApiTransport _api;

    internal EventsClient(ApiTransport api) => _api = api;

    private string Events => _api.SwarmPath() + "/events";

    private string Subscription(string subscriptionId) => _api.SwarmPath() + "/subscriptions/" + ApiTransport.Segment(subscriptionId);

    /// <summary>Appends a custom event to the log.</summary>
    /// <param name="request">Type, data and subject.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<BroadcastAccepted> BroadcastAsync(BroadcastRequest request, CancellationToken ct = default) =>
        _api.SendAsync<BroadcastAccepted>(HttpMethod.Post, Events, request, ct);

    /// <summary>Reads the log in order after a cursor, filtered by types (up to 10), actor or time.</summary>
    /// <param name="cursor">A previous page's <c>nextCursor</c> (<c>"0"</c> or null: from the start).</param>
    /// <param name="types">Only these event types.</param>
    /// <param name="actor">Only events this agent caused.</param>
    /// <param name="since">Only events at or after this time.</param>
    /// <param name="limit">Page size (1–1000, default 100).</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<SwarmEvent>> QueryAsync(string? cursor = null, IReadOnlyList<string>? types = null, string? actor = null, DateTimeOffset? since = null,
        int? limit = null, CancellationToken ct = default) =>
        _api.SendAsync<ListPage<SwarmEvent>>(HttpMethod.Get, ApiTransport.WithQuery(Events,
            ("cursor", cursor), ("type", types is { Count: > 0 } ? string.Join(',', types) : null), ("actor", actor), ("since", since), ("limit", limit)), null, ct);

    /// <summary>
    /// Follows the log live over server-sent events, yielding every event after sequence <paramref name="after"/> in
    /// order, exactly once. A dropped connection (or the server's periodic end of a stream) reconnects with
    /// Last-Event-ID, so nothing is missed or repeated. Ends only when <paramref name="ct"/> is cancelled, or with a
    /// <see cref="CoordinationProblemException"/> the server refuses the stream with (401, 403, 404).
    /// </summary>
    /// <param name="after">The last sequence already seen (0: from the first event).</param>
    /// <param name="ct">Ends the stream.</param>
    public IAsyncEnumerable<SwarmEvent> StreamAsync(long after = 0, CancellationToken ct = default) =>
        new EventStreamReader(_api, Events + "/stream").ReadAsync(after, ct);

    /// <summary>How to follow the swarm in real time: a Web PubSub client URL, or the SSE stream when none is configured.</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task<NegotiateResponse> NegotiateAsync(CancellationToken ct = default) =>
        _api.SendAsync<NegotiateResponse>(HttpMethod.Get, _api.SwarmPath() + "/realtime/negotiate", null, ct);

    /// <summary>Creates a durable subscription to event types or topics, with its own acknowledged cursor.</summary>
    /// <param name="patterns">1–20 patterns: exact types, namespaces (<c>task.*</c>) or <c>*</c>.</param>
    /// <param name="cursor">Start after this cursor (default: the log's current end).</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<SubscriptionView> CreateSubscriptionAsync(IReadOnlyList<string> patterns, string? cursor = null, CancellationToken ct = default) =>
        _api.SendAsync<SubscriptionView>(HttpMethod.Post, _api.SwarmPath() + "/subscriptions", new CreateSubscriptionRequest(patterns, cursor), ct);

    /// <summary>Reads the subscription's events after its acknowledged cursor, waiting up to <paramref name="wait"/> seconds for one.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="wait">Seconds to wait when none is waiting.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<SwarmEvent>> PollSubscriptionAsync(string subscriptionId, int? limit = null, int? wait = null, CancellationToken ct = default) =>
        _api.SendAsync<ListPage<SwarmEvent>>(HttpMethod.Get, ApiTransport.WithQuery(Subscription(subscriptionId) + "/events", ("limit", limit), ("wait", wait)), null, ct);

    /// <summary>Moves the subscription's cursor forward to a poll's <c>nextCursor</c>.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="cursor">The cursor processed up to.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<SubscriptionView> AcknowledgeSubscriptionAsync(string subscriptionId, string cursor, CancellationToken ct = default) =>
        _api.SendAsync<SubscriptionView>(HttpMethod.Post, Subscription(subscriptionId) + "/ack", new AckSubscriptionRequest(cursor), ct);

    /// <summary>Deletes a subscription.</summary>
    /// <param name="subscriptionId">The subscription.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task DeleteSubscriptionAsync(string subscriptionId, CancellationToken ct = default) =>
        _api.SendAsync(HttpMethod.Delete, Subscription(subscriptionId), null, ct);

    /// <summary>Publishes an event to a named topic (type <c>topic.{topic}</c>).</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="request">Data and subject.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<BroadcastAccepted> PublishAsync(string topic, PublishRequest request, CancellationToken ct = default) =>
        _api.SendAsync<BroadcastAccepted>(HttpMethod.Post, _api.SwarmPath() + "/topics/" + ApiTransport.Segment(topic) + "/events", request, ct);
}
