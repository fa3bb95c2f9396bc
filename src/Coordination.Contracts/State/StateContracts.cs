using System.Text.Json;

namespace Coordination.Core.State;

/// <summary>A shared state entry.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">Its JSON value (absent when deleted).</param>
/// <param name="Version">Increases on every write, deletes included, and never repeats for the key.</param>
/// <param name="UpdatedAt">Time of the last write.</param>
/// <param name="UpdatedBy">Agent of the last write.</param>
/// <param name="Deleted">True in poll results for a key that was deleted.</param>
public sealed record StateEntry(string Key, JsonElement? Value, long Version, DateTimeOffset UpdatedAt, string UpdatedBy, bool Deleted = false);

/// <summary>Set a value, optionally only if the current version matches (compare-and-set).</summary>
/// <param name="Value">Any JSON, up to the tenant's payload limit.</param>
/// <param name="IfVersion">Write only if the current version is this (0: only if the key has no value).</param>
public sealed record SetStateRequest(JsonElement Value, long? IfVersion = null);

/// <summary>Add <paramref name="Delta"/> to an integer value (a missing key counts as 0).</summary>
/// <param name="Delta">The amount (default 1; may be negative).</param>
public sealed record IncrementStateRequest(long Delta = 1);

/// <summary>Poll keys for changes.</summary>
/// <param name="Keys">Up to 100 keys.</param>
/// <param name="LastVersions">The versions the caller has; keys whose version differs come back (a key not listed counts as 0).</param>
/// <param name="Wait">Seconds to wait for a change when none is there yet (0–60).</param>
public sealed record PollStateRequest(IReadOnlyList<string> Keys, IReadOnlyDictionary<string, long>? LastVersions = null, int Wait = 0);

/// <summary>Keys whose version differs from what the caller had.</summary>
/// <param name="Changed">The changed keys with their current version (deleted ones flagged).</param>
public sealed record PollStateResult(IReadOnlyList<StateEntry> Changed);
