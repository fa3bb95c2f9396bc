using System.Text.Json;
using Coordination.Client.Http;
using Coordination.Core.Common;
using Coordination.Core.State;

namespace Coordination.Client.State;

/// <summary>Shared key-value state: every write bumps the key's version; compare-and-set with <c>ifVersion</c>.</summary>
public sealed class StateClient
{
    private readonly ApiTransport _api;

    internal StateClient(ApiTransport api) => _api = api;

    private string Key(string key) => _api.SwarmPath() + "/state/" + ApiTransport.Segment(key);

    /// <summary>Reads a key's value and version.</summary>
    /// <param name="key">The key.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<StateEntry> GetAsync(string key, CancellationToken ct = default) => _api.SendAsync<StateEntry>(HttpMethod.Get, Key(key), null, ct);

    /// <summary>Writes a key; with <paramref name="ifVersion"/>, only if the key is still at that version (0: only if absent).</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">Any JSON.</param>
    /// <param name="ifVersion">The version the write expects.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<StateEntry> SetAsync(string key, JsonElement value, long? ifVersion = null, CancellationToken ct = default) =>
        _api.SendAsync<StateEntry>(HttpMethod.Put, Key(key), new SetStateRequest(value, ifVersion), ct);

    /// <summary>Writes a key with <paramref name="value"/> serialized as JSON.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="ifVersion">The version the write expects.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<StateEntry> SetAsync<T>(string key, T value, long? ifVersion = null, CancellationToken ct = default) =>
        SetAsync(key, JsonSerializer.SerializeToElement(value, WireJson.Options), ifVersion, ct);

    /// <summary>Deletes a key's value (compare-and-delete with <paramref name="ifVersion"/>); the answer is the tombstone.</summary>
    /// <param name="key">The key.</param>
    /// <param name="ifVersion">The version the delete expects.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<StateEntry> DeleteAsync(string key, long? ifVersion = null, CancellationToken ct = default) =>
        _api.SendAsync<StateEntry>(HttpMethod.Delete, ApiTransport.WithQuery(Key(key), ("ifVersion", ifVersion)), null, ct);

    /// <summary>Atomically adds <paramref name="delta"/> to an integer value (absent counts as 0).</summary>
    /// <param name="key">The key.</param>
    /// <param name="delta">The amount (may be negative).</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<StateEntry> IncrementAsync(string key, long delta = 1, CancellationToken ct = default) =>
        _api.SendAsync<StateEntry>(HttpMethod.Post, Key(key) + "/increment", new IncrementStateRequest(delta), ct);

    /// <summary>Returns the keys whose version moved past the ones given, waiting up to <c>Wait</c> seconds for a change.</summary>
    /// <param name="request">Keys, last versions seen, and wait.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<PollStateResult> PollAsync(PollStateRequest request, CancellationToken ct = default) =>
        _api.SendAsync<PollStateResult>(HttpMethod.Post, _api.SwarmPath() + "/state/poll", request, ct);
}
