namespace Coordination.Core.Events;

/// <summary>A filter over a swarm's event log.</summary>
/// <param name="After">Only events with a greater sequence.</param>
/// <param name="Types">Only these types (null = any).</param>
/// <param name="Actor">Only events caused by this agent.</param>
/// <param name="Since">Only events at or after this time.</param>
/// <param name="Limit">At most this many (1–1000).</param>
/// <param name="Patterns">Only types matching one of these (null = any); combines with <paramref name="Types"/>.</param>
public sealed record EventQuery(long After = 0, IReadOnlyList<string>? Types = null, string? Actor = null, DateTimeOffset? Since = null, int Limit = 100, IReadOnlyList<TypePattern>? Patterns = null);
