using System.Collections.Concurrent;

namespace Coordination.Core.Events;

/// <summary>
/// In-process signal "swarm X has events up to sequence n", so SSE streams and long-polls wake at once
/// instead of polling. Other instances' writes are still found by the waiters' bounded polling.
/// </summary>
public sealed class EventNotifier
{
    private readonly ConcurrentDictionary<string, Signal> _signals = new(StringComparer.Ordinal);

    /// <summary>Records that the swarm's log reached <paramref name="sequence"/> and wakes its waiters.</summary>
    public void Notify(string swarmId, long sequence)
    {
        var signal = _signals.GetOrAdd(swarmId, _ => new Signal());
        TaskCompletionSource released;
        lock (signal)
        {
            if (sequence <= signal.Sequence)
            {
                return;
            }
            signal.Sequence = sequence;
            released = signal.Waiters;
            signal.Waiters = NewWaiters();
        }
        released.TrySetResult();
    }

    /// <summary>
    /// Waits until the swarm's log passes <paramref name="afterSequence"/> as far as this process knows, or
    /// until <paramref name="timeout"/>; returns true when signalled. Never throws on timeout.
    /// </summary>
    public async Task<bool> WaitAsync(string swarmId, long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var signal = _signals.GetOrAdd(swarmId, _ => new Signal());
        Task waiter;
        lock (signal)
        {
            if (signal.Sequence > afterSequence)
            {
                return true;
            }
            waiter = signal.Waiters.Task;
        }
        try
        {
            await waiter.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static TaskCompletionSource NewWaiters() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Signal
    {
        public long Sequence;
        public TaskCompletionSource Waiters = NewWaiters();
    }
}
