using System.Text.Json;
using Coordination.Core.Swarms;

namespace Coordination.Core.Messaging;

/// <summary>Send a message.</summary>
/// <param name="To">An agent id, <c>user</c> (the human's mailbox) or <c>*</c> (every member, the sender included); the view answers it as <c>to</c>, the sender as <c>from</c>.</param>
/// <param name="Content">The message text (1–16000 characters).</param>
/// <param name="Category"><c>info</c> (default), <c>request</c>, <c>alert</c>, <c>error</c> or a custom label.</param>
/// <param name="Priority">1–5, higher surfaces first (default 3).</param>
/// <param name="Subject">≤ 200 characters.</param>
/// <param name="ExpiresInDays">1–365; the message disappears from inboxes after that and is purged. Absent: never expires.</param>
/// <param name="ParentMessageId">The message this replies to (joins its thread).</param>
/// <param name="Payload">Any JSON, up to the tenant's payload limit.</param>
/// <param name="Sender">Ignored: the sender is always the agent the token names.</param>
public sealed record SendMessageRequest(
    string To, string Content, string? Category = null, int? Priority = null, string? Subject = null,
    int? ExpiresInDays = null, string? ParentMessageId = null, JsonElement? Payload = null, string? Sender = null);

/// <summary>A message as members see it.</summary>
/// <param name="MessageId">Id (<c>msg_…</c>).</param>
/// <param name="From">The sender.</param>
/// <param name="To">The target: an agent id, <c>user</c> or <c>*</c>.</param>
/// <param name="Broadcast">True when sent to <c>*</c>.</param>
/// <param name="Category">Category.</param>
/// <param name="Priority">1–5.</param>
/// <param name="Subject">Subject.</param>
/// <param name="Content">Text.</param>
/// <param name="Payload">JSON payload.</param>
/// <param name="ParentMessageId">The message this replies to.</param>
/// <param name="ThreadId">The id of the thread's first message.</param>
/// <param name="SentAt">When it was sent.</param>
/// <param name="ExpiresAt">When it expires, if ever.</param>
/// <param name="Status">
/// <c>pending</c>, <c>delivered</c> or <c>acknowledged</c>: the recipient's copy (for a broadcast, the caller's own copy;
/// null when the caller has none).
/// </param>
/// <param name="DeliveredAt">When the recipient first read it.</param>
/// <param name="AcknowledgedAt">When the recipient acknowledged it.</param>
/// <param name="Recipients">How many inboxes received it.</param>
public sealed record MessageView(
    string MessageId, string From, string To, bool Broadcast, string Category, int Priority, string? Subject, string Content, JsonElement? Payload,
    string? ParentMessageId, string ThreadId, DateTimeOffset SentAt, DateTimeOffset? ExpiresAt, string? Status,
    DateTimeOffset? DeliveredAt, DateTimeOffset? AcknowledgedAt, int Recipients);

/// <summary>An inbox query.</summary>
/// <param name="Status">Only this status (pending, delivered, acknowledged).</param>
/// <param name="Category">Only this category.</param>
/// <param name="Limit">1–100 (default 20).</param>
/// <param name="IncludeBroadcast">Include copies of broadcasts (default true).</param>
/// <param name="Cursor">From a previous page's <c>nextCursor</c>.</param>
public sealed record InboxQuery(string? Status = null, string? Category = null, int Limit = 20, bool IncludeBroadcast = true, string? Cursor = null);

/// <summary>Catch-up for an agent that (re)starts.</summary>
/// <param name="Limit">Pending messages to return (1–50, default 5).</param>
public sealed record CatchUpRequest(int? Limit = null);

/// <summary>A member in the catch-up summary.</summary>
/// <param name="AgentId">Agent id.</param>
/// <param name="Role">Role.</param>
/// <param name="Status">online, busy, away or offline.</param>
public sealed record MemberSummary(string AgentId, string Role, string Status);

/// <summary>What an agent needs on (re)start: its most urgent pending messages and a compact picture of the swarm.</summary>
/// <param name="Messages">Pending messages (marked delivered by this call), by priority then age.</param>
/// <param name="HasMore">True when more pending messages wait in the inbox.</param>
/// <param name="Swarm">The swarm.</param>
/// <param name="Members">Every member with role and presence.</param>
/// <param name="LastSequence">The log's last sequence: read or subscribe from here.</param>
public sealed record CatchUpResponse(IReadOnlyList<MessageView> Messages, bool HasMore, SwarmView Swarm, IReadOnlyList<MemberSummary> Members, long LastSequence);
