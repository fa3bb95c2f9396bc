using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Messaging;
using Coordination.Core.Swarms;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Messaging;

/// <summary>Mailbox routes: send, inbox, get one, acknowledge, thread, catch-up.</summary>
public static class MessageEndpoints
{
    /// <summary>Maps the mailbox routes.</summary>
    public static IEndpointRouteBuilder MapMessageEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms/{id}").WithTags("messages");
        group.MapPost("/messages", SendAsync).WithName("SendMessage").Requires(Access.Writer)
            .WithSummary("Sends a message to an agent, to 'user' or to '*' (every member) named by 'to'; logged as message.sent.");
        group.MapGet("/inbox", InboxAsync).WithName("ReadInbox").Requires(Access.Member)
            .WithSummary("Reads a page of your inbox by priority then age (status, category, limit, includeBroadcast, cursor); marks pending messages delivered.");
        group.MapGet("/messages/{messageId}", GetAsync).WithName("GetMessage").Requires(Access.Member)
            .WithSummary("Reads one message with its status.");
        group.MapPost("/messages/{messageId}/ack", AcknowledgeAsync).WithName("AcknowledgeMessage").Requires(Access.Writer)
            .WithSummary("Acknowledges a message you received; logged as message.acknowledged.");
        group.MapGet("/messages/{messageId}/thread", ThreadAsync).WithName("GetMessageThread").Requires(Access.Member)
            .WithSummary("Reads a page of the thread of a message, in the order sent (limit 1-500, default 500; cursor).");
        group.MapPost("/catch-up", CatchUpAsync).WithName("CatchUp").Requires(Access.Member)
            .WithSummary("For a (re)starting agent: pending messages (up to limit, default 5; marked delivered) and a compact swarm summary.");
        return app;
    }

    private static async Task<Created<MessageView>> SendAsync(string id, SendMessageRequest request, HttpContext context, MessageSender sender, CancellationToken ct)
    {
        var sent = await sender.SendAsync(id, context.Caller(), request, ct);
        return TypedResults.Created($"/api/swarms/{id}/messages/{sent.MessageId}", sent);
    }

    private static async Task<Ok<ListPage<MessageView>>> InboxAsync(
        string id, string? status, string? category, int? limit, bool? includeBroadcast, string? cursor, HttpContext context, Mailbox mailbox, CancellationToken ct) =>
        TypedResults.Ok(await mailbox.ReadInboxAsync(id, context.Caller(), new InboxQuery(status, category, limit ?? 20, includeBroadcast ?? true, cursor), ct));

    private static async Task<Ok<MessageView>> GetAsync(string id, string messageId, HttpContext context, Mailbox mailbox, CancellationToken ct) =>
        TypedResults.Ok(await mailbox.GetAsync(id, context.Caller(), messageId, ct));

    private static async Task<Ok<MessageView>> AcknowledgeAsync(string id, string messageId, HttpContext context, Mailbox mailbox, CancellationToken ct) =>
        TypedResults.Ok(await mailbox.AcknowledgeAsync(id, context.Caller(), messageId, ct));

    private static async Task<Ok<ListPage<MessageView>>> ThreadAsync(
        string id, string messageId, int? limit, string? cursor, HttpContext context, Mailbox mailbox, CancellationToken ct) =>
        TypedResults.Ok(await mailbox.GetThreadAsync(id, context.Caller(), messageId, limit ?? Mailbox.MaxThreadMessages, cursor, ct));

    private static async Task<Ok<CatchUpResponse>> CatchUpAsync(string id, CatchUpRequest? request, HttpContext context, CatchUpService catchUp, CancellationToken ct) =>
        TypedResults.Ok(await catchUp.CatchUpAsync(id, context.Caller(), request, ct));
}
