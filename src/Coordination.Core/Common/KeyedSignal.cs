using System.Collections.Concurrent;

namespace Coordination.Core.Common;

/// <summary>
/// In-process wake-ups keyed by a string (a lock's resource, a state key, a task queue): waiters park on a
/// key until someone <see cref="Pulse"/>s it or their timeout passes. Long-polls use it to wake at once on
/// changes made by this instance, and fall back to bounded polling for changes made elsewhere.
/// </summary>
public sealed class KeyedSignal
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    /// <summary>Wakes everyone waiting on <paramref name="key"/>.</summary>
    public void Pulse(string key)
    {
        if (_waiters.TryRemove(key, out var waiters))
        {
            waiters.TrySetResult();
        }
    }

    /// <summary>
    /// A task that completes at the next <see cref="Pulse"/> of the key. Take it BEFORE checking the condition
    /// you wait for, then await it with <see cref="WaitAsync"/>, so a pulse between check and wait is not lost.
    /// </summary>
    public Task Next(string key) =>
        _waiters.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Waits for <paramref name="next"/> (from <see cref="Next"/>) or the timeout; true when pulsed.</summary>
    public static async Task<bool> WaitAsync(Task next, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return next.IsCompleted;
        }
        try
        {
            await next.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
