using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Core.Configuration;
using Coordination.Core.Events;
using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Storage.Tables;

namespace Coordination.Core.State;

/// <summary>
/// Shared state: <c>state|{key}</c> rows with a version that increases on every write. A delete leaves a
/// tombstone so versions never repeat (a compare-and-set cannot be fooled by delete-and-recreate). Each write
/// and its <c>state.changed</c> event commit in one transaction. The row this instance last wrote (with its ETag)
/// is cached, so a repeated write from here is one storage call; a stale cache costs one failed attempt.
/// </summary>
public sealed class StateService(TableStore table, EventLog events, TenantDirectory tenants, KeyedSignal signal, StripedGate gate, CoordinationSettings settings, TimeProvider clock)
{
    /// <summary>Longest key accepted.</summary>
    public const int MaxKeyLength = 400;

    private const int MaxCachedKeys = 10_000;
    private readonly ConcurrentDictionary<(string Swarm, string Key), StateRow> _known = new();

    /// <summary>The entry; 404 when the key has no value.</summary>
    public async Task<StateEntry> GetAsync(string swarmId, string key, CancellationToken cancellationToken)
    {
        var row = await ReadAsync(swarmId, ValidateKey(key), cancellationToken).ConfigureAwait(false);
        return row is { Deleted: false } ? ToEntry(row) : throw NoValue(key);
    }

    /// <summary>Sets the value; with <see cref="SetStateRequest.IfVersion"/> only if the version still matches.</summary>
    public async Task<StateEntry> SetAsync(string swarmId, Caller caller, string key, SetStateRequest request, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        var value = Validation.Payload(request.Value, "value", LimitOf(caller)) ?? throw Validation.Invalid("value", "is required (use DELETE to remove a key).");
        return await WriteAsync(swarmId, caller, key, request.IfVersion, "set", _ => (value, false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the value (leaving a tombstone version); with <paramref name="ifVersion"/> only if it still matches.</summary>
    public async Task<StateEntry> DeleteAsync(string swarmId, Caller caller, string key, long? ifVersion, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        return await WriteAsync(swarmId, caller, key, ifVersion, "deleted", current =>
            current is { Deleted: false } ? (null, true) : throw NoValue(key), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds <paramref name="delta"/> atomically; conflicts with concurrent writers are retried here, not by the caller.</summary>
    public async Task<StateEntry> IncrementAsync(string swarmId, Caller caller, string key, long delta, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        return await WriteAsync(swarmId, caller, key, null, "incremented", current =>
        {
            var before = current is { Deleted: false, Value: { } json } ? IntegerValue(key, json) : 0;
            var after = (Int128)before + delta;
            if (after < long.MinValue || after > long.MaxValue)
            {
                throw Validation.Invalid("delta", $"adding {delta} to the current value {before} of state key '{key}' would overflow a 64-bit integer.",
                    new Dictionary<string, object?> { ["currentValue"] = before });
            }
            return (((long)after).ToString(CultureInfo.InvariantCulture), false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keys whose version differs from the caller's; waits up to <see cref="PollStateRequest.Wait"/> seconds for one.</summary>
    public async Task<PollStateResult> PollAsync(string swarmId, PollStateRequest request, CancellationToken cancellationToken)
    {
        if (request.Keys is null || request.Keys.Count is 0 or > 100)
        {
            throw Validation.Invalid("keys", "must list 1 to 100 keys.");
        }
        var keys = request.Keys.Select(ValidateKey).Distinct(StringComparer.Ordinal).ToList();
        var deadline = clock.GetUtcNow() + TimeSpan.FromSeconds(Validation.InRange(request.Wait, "wait", 0, 60));
        while (true)
        {
            // Take the wake-ups before reading, so a change between the read and the wait is not missed.
            var wakeUps = keys.Select(k => signal.Next(SignalKey(swarmId, k))).ToList();
            var rows = await Task.WhenAll(keys.Select(k => ReadAsync(swarmId, k, cancellationToken))).ConfigureAwait(false);
            var changed = Changed(keys, rows, request.LastVersions);
            var remaining = deadline - clock.GetUtcNow();
            if (changed.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return new PollStateResult(changed);
            }
            await KeyedSignal.WaitAsync(Task.WhenAny(wakeUps), remaining < settings.EventPollInterval ? remaining : settings.EventPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The entries whose version differs from the caller's (a key not listed counts as 0). A key that has no row
    /// at all is at version 0 and shows as deleted.
    /// </summary>
    private static List<StateEntry> Changed(List<string> keys, StateRow?[] rows, IReadOnlyDictionary<string, long>? lastVersions)
    {
        var changed = new List<StateEntry>();
        for (var i = 0; i < keys.Count; i++)
        {
            var had = lastVersions is not null && lastVersions.TryGetValue(keys[i], out var v) ? v : 0;
            if ((rows[i]?.Version ?? 0) != had)
            {
                changed.Add(rows[i] is { } row ? ToEntry(row) : new StateEntry(keys[i], null, 0, default, string.Empty, Deleted: true));
            }
        }
        return changed;
    }

    /// <summary>
    /// The one write path: decide the new value from the current one, then commit it with version + 1 and its
    /// event under the row's ETag, retrying lost races (the cached row first, then a fresh read).
    /// </summary>
    private async Task<StateEntry> WriteAsync(string swarmId, Caller caller, string key, long? ifVersion, string op,
        Func<StateRow?, (string? Value, bool Deleted)> decide, CancellationToken cancellationToken)
    {
        using var turn = await gate.EnterAsync(SignalKey(swarmId, key), cancellationToken).ConfigureAwait(false);
        var entry = await OptimisticRetry.RunAsync(async ct =>
        {
            var current = await CurrentAsync(swarmId, key, ifVersion, ct).ConfigureAwait(false);
            EnsureVersion(key, current, ifVersion);
            var (value, deleted) = decide(current);
            var next = new StateRow(swarmId, key, (current?.Version ?? 0) + 1, value, deleted, clock.GetUtcNow(), caller.Actor);
            return await CommitAsync(current, next, op, ct).ConfigureAwait(false);
        }, $"state key '{key}'", cancellationToken).ConfigureAwait(false);
        signal.Pulse(SignalKey(swarmId, key));
        return entry;
    }

    /// <summary>The cached row when it can answer (no expected version, or the cached one is it), else a fresh read.</summary>
    private async Task<StateRow?> CurrentAsync(string swarmId, string key, long? ifVersion, CancellationToken cancellationToken) =>
        _known.TryGetValue((swarmId, key), out var cached) && (ifVersion is null || cached.Version == ifVersion)
            ? cached
            : await ReadAsync(swarmId, key, cancellationToken).ConfigureAwait(false);

    /// <summary>ifVersion 0 means "only if the key has no value" (never written, or deleted).</summary>
    private static void EnsureVersion(string key, StateRow? current, long? ifVersion)
    {
        var matches = ifVersion is not { } expected
            || (expected == 0 ? current is null || current.Deleted : current is not null && current.Version == expected);
        if (!matches)
        {
            throw new ProblemException(ProblemCatalog.VersionConflict, $"State key '{key}' is at version {current?.Version ?? 0}, not {ifVersion}.",
                new Dictionary<string, object?> { ["currentVersion"] = current?.Version ?? 0 });
        }
    }

    /// <summary>Writes the next row and its event; null when it lost a race, so the caller re-reads and decides again.</summary>
    private async Task<StateEntry?> CommitAsync(StateRow? current, StateRow next, string op, CancellationToken cancellationToken)
    {
        var entity = StateRows.ToEntity(next);
        // Add meets AlreadyExists when another instance created the key first; Replace meets 412 (or 404 while the swarm
        // is being deleted) when the row changed since it was read, or the cached ETag was stale. All are lost races.
        List<TableTransactionAction> actions =
        [
            current is null ? TableActions.Add(entity) : TableActions.Replace(entity, current.ETag),
            events.Append(next.SwarmId, PendingEvent.Of("state.changed", next.Key, new { key = next.Key, version = next.Version, op }, next.UpdatedBy)),
        ];
        var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            _known.TryRemove((next.SwarmId, next.Key), out _);
            return null;
        }
        events.Committed(next.SwarmId, actions);
        Remember(next with { ETag = result.ETags[0] });
        return ToEntry(next);
    }

    private void Remember(StateRow row)
    {
        if (_known.Count >= MaxCachedKeys)
        {
            _known.Clear();
        }
        _known[(row.SwarmId, row.Key)] = row;
    }

    private async Task<StateRow?> ReadAsync(string swarmId, string key, CancellationToken cancellationToken) =>
        await table.GetEntityAsync(swarmId, StateRows.StateKey(key), cancellationToken: cancellationToken).ConfigureAwait(false) is { } row
            ? StateRows.From(row)
            : null;

    private int LimitOf(Caller caller) => tenants.Find(caller.TenantId)?.Limits.MaxPayloadBytes ?? new TenantLimits().MaxPayloadBytes;

    private static long IntegerValue(string key, string json)
    {
        using var parsed = JsonDocument.Parse(json);
        return parsed.RootElement.ValueKind == JsonValueKind.Number && parsed.RootElement.TryGetInt64(out var value)
            ? value
            : throw new ProblemException(ProblemCatalog.ValidationFailed, $"State key '{key}' holds {json.Length switch { > 40 => "a value", _ => json }}, not an integer; only integers can be incremented.");
    }

    private static StateEntry ToEntry(StateRow row) => new(
        row.Key, row is { Deleted: false, Value: { } value } ? JsonDocument.Parse(value).RootElement.Clone() : null, row.Version, row.UpdatedAt, row.UpdatedBy, row.Deleted);

    private static ProblemException NoValue(string key) => new(ProblemCatalog.NotFound, $"State key '{key}' has no value.");

    // A URL cannot carry '.' or '..' as a path segment: clients and servers remove them (RFC 3986 §5.2.4), so such a
    // key could be polled but never set, read or deleted.
    private static string ValidateKey(string? key) =>
        string.IsNullOrEmpty(key) ? throw Validation.Invalid("key", "is required.")
        : key is "." or ".." ? throw Validation.Invalid("key", $"'{key}' cannot be a key: '.' and '..' are path navigation in a URL, removed before a request arrives.")
        : key.Length > MaxKeyLength ? throw Validation.Invalid("key", $"is {key.Length} characters; the limit is {MaxKeyLength}.")
        : key;

    private static string SignalKey(string swarmId, string key) => swarmId + "\n" + key;
}
