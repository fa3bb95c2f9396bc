namespace Coordination.Core.Events;

/// <summary>Subscribe to event types or topics.</summary>
/// <param name="Patterns">1–20 patterns: exact types (<c>task.completed</c>, <c>topic.deploys</c>), namespaces (<c>task.*</c>) or <c>*</c>.</param>
/// <param name="Cursor">Start after this cursor (a log page's <c>nextCursor</c>; <c>"0"</c> = the whole log); default: the log's current end.</param>
public sealed record CreateSubscriptionRequest(IReadOnlyList<string> Patterns, string? Cursor = null);

/// <summary>Advance a subscription's cursor.</summary>
/// <param name="Cursor">A poll's <c>nextCursor</c>, once its events are processed; the cursor never moves backwards.</param>
public sealed record AckSubscriptionRequest(string Cursor);

/// <summary>A subscription as its owner sees it.</summary>
/// <param name="SubscriptionId">Id (<c>sub_…</c>).</param>
/// <param name="Owner">The agent that created it (the only one that may use it).</param>
/// <param name="Patterns">Its patterns.</param>
/// <param name="Cursor">The acknowledged position: polls return events after it.</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record SubscriptionView(string SubscriptionId, string Owner, IReadOnlyList<string> Patterns, string Cursor, DateTimeOffset CreatedAt);
