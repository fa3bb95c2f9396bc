using System.Collections.Concurrent;

namespace Coordination.Core.Common;

/// <summary>
/// In-process FIFO of waiters per key. <see cref="WakeOne"/> hands the baton to the longest waiter only, so a
/// release wakes one contender instead of a herd that would all race for the same row; waiters that timed
/// out or gave up are skipped. Waiters still poll on a bounded interval for changes made by other instances.
/// </summary>
public sealed class KeyedWaitQueue
{
    private readonly ConcurrentDictionary<string, Queue<TaskCompletionSource>> _queues = new(StringComparer.Ordinal);

    /// <summary>Joins the queue for <paramref name="key"/>; the task completes when woken.</summary>
    public TaskCompletionSource Enqueue(string key)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = _queues.GetOrAdd(key, _ => new Queue<TaskCompletionSource>());
        lock (queue)
        {
            queue.Enqueue(waiter);
        }
        return waiter;
    }

    /// <summary>Wakes the first waiter that is still waiting; true when one was woken.</summary>
    public bool WakeOne(string key)
    {
        if (!_queues.TryGetValue(key, out var queue))
        {
            return false;
        }
        lock (queue)
        {
            while (queue.Count > 0)
            {
                if (queue.Dequeue().TrySetResult())
                {
                    return true;
                }
            }
            _queues.TryRemove(new KeyValuePair<string, Queue<TaskCompletionSource>>(key, queue));
            return false;
        }
    }

    /// <summary>Leaves the queue (timed out or done); a later <see cref="WakeOne"/> skips it.</summary>
    public static void Leave(TaskCompletionSource waiter) => waiter.TrySetCanceled();
}
