using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure;
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
/// and its <c>state.changed</c> event commit in one transaction. The ETag and version this instance last wrote
/// are cached, so a repeated write from here is one storage call; a stale cache costs one failed attempt.
/// </summary>
public sealed class StateService(TableStore table, EventLog events, TenantDirectory tenants, KeyedSignal signal, StripedGate gate, CoordinationSettings settings, TimeProvider clock)
{
    /// <summary>Longest key accepted.</summary>
    public const int MaxKeyLength = 400;

    private const int MaxCachedKeys = 10_000;
    private readonly ConcurrentDictionary<(string Swarm, string Key), Known> _known = new();

    private sealed record Known(ETag ETag, long Version, bool Deleted, string? Value);

    /// <summary>The entry; 404 when the key has no value.</summary>
    public async Task<StateEntry> GetAsync(string swarmId, string key, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityAsync(swarmId, RowKey(ValidateKey(key)), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (row is null || row.GetBoolean("Deleted") == true)
        {
            throw new ProblemException(ProblemCatalog.NotFound, $"State key '{key}' has no value.");
        }
        return ToEntry(key, row);
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
            current is null || current.Deleted
                ? throw new ProblemException(ProblemCatalog.NotFound, $"State key '{key}' has no value.")
                : (null, true), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds <paramref name="delta"/> atomically; conflicts with concurrent writers are retried here, not by the caller.</summary>
    public async Task<StateEntry> IncrementAsync(string swarmId, Caller caller, string key, long delta, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        return await WriteAsync(swarmId, caller, key, null, "incremented", current =>
        {
            long before = 0;
            if (current is { Deleted: false, Value: { } json })
            {
                using var parsed = JsonDocument.Parse(json);
                if (parsed.RootElement.ValueKind != JsonValueKind.Number || !parsed.RootElement.TryGetInt64(out before))
                {
                    throw new ProblemException(ProblemCatalog.ValidationFailed, $"State key '{key}' holds {json.Length switch { > 40 => "a value", _ => json }}, not an integer; only integers can be incremented.");
                }
            }
            var after = checked(before + delta);
            return (after.ToString(CultureInfo.InvariantCulture), false);
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
            var rows = await Task.WhenAll(keys.Select(k => table.GetEntityAsync(swarmId, RowKey(k), cancellationToken: cancellationToken))).ConfigureAwait(false);
            var changed = new List<StateEntry>();
            for (var i = 0; i < keys.Count; i++)
            {
                var had = request.LastVersions is not null && request.LastVersions.TryGetValue(keys[i], out var v) ? v : 0;
                var version = rows[i]?.GetInt64("Version") ?? 0;
                if (version != had)
                {
                    changed.Add(ToEntry(keys[i], rows[i]!));
                }
            }
            var remaining = deadline - clock.GetUtcNow();
            if (changed.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return new PollStateResult(changed);
            }
            await KeyedSignal.WaitAsync(Task.WhenAny(wakeUps), remaining < settings.EventPollInterval ? remaining : settings.EventPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The one write path: decide the new value from the current one, then commit it with version + 1 and its
    /// event under the row's ETag, retrying lost races (the cached ETag first, then a fresh read).
    /// </summary>
    private async Task<StateEntry> WriteAsync(string swarmId, Caller caller, string key, long? ifVersion, string op,
        Func<Known?, (string? Value, bool Deleted)> decide, CancellationToken cancellationToken)
    {
        var cacheKey = (swarmId, key);
        using var turn = await gate.EnterAsync(SignalKey(swarmId, key), cancellationToken).ConfigureAwait(false);
        var entry = await OptimisticRetry.RunAsync(async ct =>
        {
            Known? current;
            var fromCache = _known.TryGetValue(cacheKey, out current) && (ifVersion is null || current.Version == ifVersion);
            if (!fromCache)
            {
                var stored = await table.GetEntityAsync(swarmId, RowKey(key), cancellationToken: ct).ConfigureAwait(false);
                current = stored is null ? null : new Known(stored.ETag, stored.GetInt64("Version") ?? 0, stored.GetBoolean("Deleted") == true, StoredJson.Read(stored, "Value"));
            }
            // ifVersion 0 means "only if the key has no value" (never written, or deleted).
            var matches = ifVersion is not { } expected
                || (expected == 0 ? current is null || current.Deleted : current is not null && current.Version == expected);
            if (!matches)
            {
                throw new ProblemException(ProblemCatalog.VersionConflict, $"State key '{key}' is at version {current?.Version ?? 0}, not {ifVersion}.",
                    new Dictionary<string, object?> { ["currentVersion"] = current?.Version ?? 0 });
            }
            var (value, deleted) = decide(current is { Deleted: true } && op != "deleted" ? current with { Value = null } : current);
            var now = clock.GetUtcNow();
            var version = (current?.Version ?? 0) + 1;
            var row = new TableEntity(swarmId, RowKey(key)) { ["Key"] = key, ["Version"] = version, ["UpdatedAt"] = now, ["UpdatedBy"] = caller.Actor, ["Deleted"] = deleted };
            StoredJson.Write(row, "Value", value);
            var result = await table.SubmitTransactionAsync(
            [
                current is null ? TableActions.Add(row) : TableActions.Replace(row, current.ETag),
                events.Append(swarmId, PendingEvent.Of("state.changed", key, new { key, version, op }, caller.Actor)),
            ], ct).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                _known.TryRemove(cacheKey, out _);
                return null;
            }
            Remember(cacheKey, new Known(result.ETags[0], version, deleted, value));
            return new StateEntry(key, value is null ? null : JsonDocument.Parse(value).RootElement.Clone(), version, now, caller.Actor, deleted);
        }, $"state key '{key}'", cancellationToken).ConfigureAwait(false);
        events.Committed(swarmId);
        signal.Pulse(SignalKey(swarmId, key));
        return entry;
    }

    private void Remember((string, string) cacheKey, Known known)
    {
        if (_known.Count >= MaxCachedKeys)
        {
            _known.Clear();
        }
        _known[cacheKey] = known;
    }

    private int LimitOf(Caller caller) => tenants.Find(caller.TenantId)?.Limits.MaxPayloadBytes ?? new TenantLimits().MaxPayloadBytes;

    private static StateEntry ToEntry(string key, TableEntity row)
    {
        var deleted = row.GetBoolean("Deleted") == true;
        return new StateEntry(key, deleted ? null : StoredJson.ReadElement(row, "Value"), row.GetInt64("Version") ?? 0,
            row.GetDateTimeOffset("UpdatedAt") ?? default, row.GetString("UpdatedBy") ?? string.Empty, deleted);
    }

    private static string ValidateKey(string? key) =>
        string.IsNullOrEmpty(key) ? throw Validation.Invalid("key", "is required.")
        : key.Length > MaxKeyLength ? throw Validation.Invalid("key", $"is {key.Length} characters; the limit is {MaxKeyLength}.")
        : key;

    private static string RowKey(string key) => TableKeyCodec.Compose("state", key);

    private static string SignalKey(string swarmId, string key) => swarmId + "\n" + key;
}
