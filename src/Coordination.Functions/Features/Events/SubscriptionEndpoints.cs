using System.Text.RegularExpressions;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.Events;

/// <summary>
/// Subscription and topic routes. A topic is a namespace of the log: publishing to topic <c>deploys</c> appends an event
/// of type <c>topic.deploys</c> (the <c>topic.</c> namespace is reserved for this route, so broadcasts cannot forge one),
/// and subscribers select topics with patterns such as <c>topic.deploys</c> or <c>topic.*</c>.
/// </summary>
public static partial class SubscriptionEndpoints
{
    /// <summary>Maps the subscription and topic routes.</summary>
    public static IEndpointRouteBuilder MapSubscriptionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms/{id}").WithTags("events");
        group.MapPost("/subscriptions", CreateAsync).WithName("CreateSubscription").Requires(Access.Member)
            .WithSummary("Subscribes you to event types or topics (patterns like task.*, topic.deploys, *) from cursor (default: the log's end); returns its cursor.");
        group.MapGet("/subscriptions/{subId}/events", PollAsync).WithName("PollSubscription").Requires(Access.Member)
            .WithSummary("A page of matching events after the subscription's cursor (limit); wait=seconds long-polls (at most 30). Ack its nextCursor.");
        group.MapPost("/subscriptions/{subId}/ack", AcknowledgeAsync).WithName("AcknowledgeSubscription").Requires(Access.Member)
            .WithSummary("Advances the subscription's cursor to a poll's nextCursor (never backwards).");
        group.MapDelete("/subscriptions/{subId}", DeleteAsync).WithName("DeleteSubscription").Requires(Access.Member)
            .WithSummary("Deletes your subscription.");
        group.MapPost("/topics/{topic}/events", PublishAsync).WithName("PublishToTopic").Requires(Access.Writer)
            .WithSummary("Publishes an event to a named topic: type topic.{topic} in the swarm's log.");
        return app;
    }

    private static async Task<Created<SubscriptionView>> CreateAsync(string id, CreateSubscriptionRequest request, HttpContext context, SubscriptionService subscriptions, CancellationToken ct)
    {
        var created = await subscriptions.CreateAsync(id, context.Caller(), request, ct);
        return TypedResults.Created($"/api/swarms/{id}/subscriptions/{created.SubscriptionId}", created);
    }

    private static async Task<Ok<ListPage<SwarmEvent>>> PollAsync(string id, string subId, int? limit, int? wait, HttpContext context, SubscriptionService subscriptions, CancellationToken ct) =>
        TypedResults.Ok(await subscriptions.PollAsync(id, context.Caller(), subId, limit ?? 100, wait ?? 0, ct));

    private static async Task<Ok<SubscriptionView>> AcknowledgeAsync(string id, string subId, AckSubscriptionRequest request, HttpContext context, SubscriptionService subscriptions, CancellationToken ct) =>
        TypedResults.Ok(await subscriptions.AcknowledgeAsync(id, context.Caller(), subId, request, ct));

    private static async Task<NoContent> DeleteAsync(string id, string subId, HttpContext context, SubscriptionService subscriptions, CancellationToken ct)
    {
        await subscriptions.DeleteAsync(id, context.Caller(), subId, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Accepted<BroadcastAccepted>> PublishAsync(string id, string topic, PublishRequest request, HttpContext context, EventLog log, TenantDirectory tenants, CancellationToken ct)
    {
        if (!TopicName().IsMatch(topic))
        {
            throw Validation.Invalid("topic", "must be 1-100 letters, digits or _ . : - and start with a letter or digit.");
        }
        var caller = context.Caller();
        var type = "topic." + topic;
        var subject = Validation.OptionalText(request.Subject, "subject", 200);
        var data = Validation.Payload(request.Data, "data", tenants.Find(caller.TenantId)!.Limits.MaxPayloadBytes);
        var ids = await log.AppendAsync(id, [new PendingEvent(type, subject, data, caller.Actor)], ct);
        return TypedResults.Accepted($"/api/swarms/{id}/events", new BroadcastAccepted(ids[0], type, caller.Actor));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")]
    private static partial Regex TopicName();
}
