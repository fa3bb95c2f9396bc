using Coordination.Client.Http;
using Coordination.Core.Common;
using Coordination.Core.Messaging;

namespace Coordination.Client.Messaging;

/// <summary>Messages between agents (and to the human, <c>user</c>): send, inbox, acknowledge, threads, catch-up.</summary>
public sealed class MessagesClient
{
    private readonly ApiTransport _api;

    internal MessagesClient(ApiTransport api) => _api = api;

    private string Message(string messageId) => _api.SwarmPath() + "/messages/" + ApiTransport.Segment(messageId);

    /// <summary>Sends a message to an agent, to <c>user</c>, or to everyone (<c>*</c>).</summary>
    /// <param name="request">Recipient, content and options.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<MessageView> SendAsync(SendMessageRequest request, CancellationToken ct = default) =>
        _api.SendAsync<MessageView>(HttpMethod.Post, _api.SwarmPath() + "/messages", request, ct);

    /// <summary>Reads the caller's inbox, highest priority and newest first.</summary>
    /// <param name="status"><c>pending</c>, <c>delivered</c> or <c>acknowledged</c>.</param>
    /// <param name="category">Only this category.</param>
    /// <param name="limit">Page size (default 20).</param>
    /// <param name="includeBroadcast">Include messages sent to everyone (default true).</param>
    /// <param name="cursor">A previous page's <c>nextCursor</c>.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<MessageView>> InboxAsync(string? status = null, string? category = null, int? limit = null, bool? includeBroadcast = null,
        string? cursor = null, CancellationToken ct = default) =>
        _api.SendAsync<ListPage<MessageView>>(HttpMethod.Get, ApiTransport.WithQuery(_api.SwarmPath() + "/inbox",
            ("status", status), ("category", category), ("limit", limit), ("includeBroadcast", includeBroadcast), ("cursor", cursor)), null, ct);

    /// <summary>Reads one message (marks it read for its recipient).</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<MessageView> GetAsync(string messageId, CancellationToken ct = default) =>
        _api.SendAsync<MessageView>(HttpMethod.Get, Message(messageId), null, ct);

    /// <summary>Acknowledges a message (it was acted on).</summary>
    /// <param name="messageId">The message.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<MessageView> AcknowledgeAsync(string messageId, CancellationToken ct = default) =>
        _api.SendAsync<MessageView>(HttpMethod.Post, Message(messageId) + "/ack", null, ct);

    /// <summary>The thread a message belongs to, oldest first.</summary>
    /// <param name="messageId">Any message of the thread.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="cursor">A previous page's <c>nextCursor</c>.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<MessageView>> ThreadAsync(string messageId, int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        _api.SendAsync<ListPage<MessageView>>(HttpMethod.Get, ApiTransport.WithQuery(Message(messageId) + "/thread", ("limit", limit), ("cursor", cursor)), null, ct);

    /// <summary>One call for an agent coming back: unread messages, the swarm, its members, and the log's position.</summary>
    /// <param name="limit">At most this many messages.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<CatchUpResponse> CatchUpAsync(int? limit = null, CancellationToken ct = default) =>
        _api.SendAsync<CatchUpResponse>(HttpMethod.Post, _api.SwarmPath() + "/catch-up", new CatchUpRequest(limit), ct);
}
