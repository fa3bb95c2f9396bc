using System.ComponentModel;
using System.Text.Json;
using Coordination.Core.Events;
using Coordination.Core.Messaging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Coordination.Mcp.Tools;

/// <summary>Messages between agents, broadcasts to the log, and presence.</summary>
[McpServerToolType]
public sealed class MessageTools(CoordinationSession session)
{
    /// <summary>Sends a message.</summary>
    [McpServerTool(Name = "message_send", Title = "Send a message")]
    [Description("Sends a message to one agent (its agentId), to the human ('user'), or to every member ('*'). Reply in a thread with " +
                 "parentMessageId. Returns the message with its messageId.")]
    public async Task<CallToolResult> SendAsync(
        [Description("An agentId, 'user' or '*'.")] string to,
        [Description("The text (at most 16 000 characters).")] string content,
        [Description("e.g. info, question, request, alert (default info).")] string? category = null,
        [Description("1–5, higher is read first (default 3).")] int? priority = null,
        [Description("A short subject; name a task id here to tie the message to it.")] string? subject = null,
        [Description("The message this replies to.")] string? parentMessageId = null,
        [Description("Any JSON to attach.")] JsonElement? payload = null,
        [Description("Hide and purge the message after this many days (1–365).")] int? expiresInDays = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Messages.SendAsync(
            new SendMessageRequest(to, content, category, priority, subject, expiresInDays, parentMessageId, payload), cancellationToken));

    /// <summary>Reads the inbox or one message.</summary>
    [McpServerTool(Name = "messages_read", Title = "Read messages", ReadOnly = true)]
    [Description("Reads your inbox, highest priority and newest first (reading marks messages delivered), or one message by messageId. " +
                 "Acknowledge what you acted on with message_ack. Returns {items, nextCursor, hasMore}, or the one message.")]
    public async Task<CallToolResult> ReadAsync(
        [Description("pending (not yet read), delivered or acknowledged; default all.")] string? status = null,
        [Description("Only this category.")] string? category = null,
        [Description("Page size (default 20).")] int? limit = null,
        [Description("Include messages sent to everyone (default true).")] bool? includeBroadcast = null,
        [Description("The nextCursor of the previous page.")] string? cursor = null,
        [Description("Read just this message instead of the inbox.")] string? messageId = null,
        CancellationToken cancellationToken = default)
    {
        var client = session.SwarmClient;
        return messageId is not null
            ? ToolResults.Json(await client.Messages.GetAsync(messageId, cancellationToken))
            : ToolResults.Json(await client.Messages.InboxAsync(status, category, limit, includeBroadcast, cursor, cancellationToken));
    }

    /// <summary>Acknowledges a message.</summary>
    [McpServerTool(Name = "message_ack", Title = "Acknowledge a message")]
    [Description("Acknowledges a message sent to you: you have acted on it, so it leaves your pending work. Only its recipient may " +
                 "(others get not_recipient). Returns the message.")]
    public async Task<CallToolResult> AcknowledgeAsync(
        [Description("The messageId.")] string messageId,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Messages.AcknowledgeAsync(messageId, cancellationToken));

    /// <summary>Broadcasts an event.</summary>
    [McpServerTool(Name = "broadcast", Title = "Broadcast an event")]
    [Description("Appends your own event to the swarm's ordered log for every member to see, e.g. type 'phase_complete', " +
                 "'task_available' or 'resource_released' (the namespaces swarm., agent., task., lock., state., message. are reserved). " +
                 "Returns {id, type, actor}.")]
    public async Task<CallToolResult> BroadcastAsync(
        [Description("The event type.")] string type,
        [Description("Any JSON data.")] JsonElement? data = null,
        [Description("What the event is about, e.g. a task id or file.")] string? subject = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Events.BroadcastAsync(new BroadcastRequest(type, data, subject), cancellationToken));

    /// <summary>Reads the event log.</summary>
    [McpServerTool(Name = "swarm_events", Title = "Read the swarm's event log", ReadOnly = true)]
    [Description("Reads the swarm's event log in order (every change: joins, tasks, locks, state, messages, broadcasts), optionally by types " +
                 "or actor. To follow along, pass the previous answer's nextCursor as cursor. Returns {items, nextCursor, hasMore}.")]
    public async Task<CallToolResult> EventsAsync(
        [Description("The nextCursor of the previous page (\"0\" or absent: from the start).")] string? cursor = null,
        [Description("Only these event types (up to 10), e.g. [\"task.completed\", \"phase_complete\"].")] string[]? types = null,
        [Description("Only events this agent caused.")] string? actor = null,
        [Description("Only events at or after this ISO 8601 UTC time.")] DateTimeOffset? since = null,
        [Description("Page size (1–1000, default 100).")] int? limit = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Events.QueryAsync(cursor, types, actor, since, limit, cancellationToken));

    /// <summary>Finds active agents.</summary>
    [McpServerTool(Name = "agents_active", Title = "Find active agents", ReadOnly = true)]
    [Description("Lists the swarm's agents, most recently seen first, with status, online flag and capabilities; filter by a capability to " +
                 "find who can do something. Returns {items, nextCursor, hasMore}.")]
    public async Task<CallToolResult> ActiveAsync(
        [Description("Only agents with this capability.")] string? capability = null,
        [Description("Only agents seen within this many days (default 1).")] int activeWithinDays = 1,
        [Description("Page size.")] int? limit = null,
        [Description("The nextCursor of the previous page.")] string? cursor = null,
        CancellationToken cancellationToken = default) =>
        ToolResults.Json(await session.SwarmClient.Agents.FindAsync(capability, activeWithinDays, limit, cursor, cancellationToken));
}
