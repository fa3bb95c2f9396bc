using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Common;

/// <summary>
/// Background work per key that coalesces: <see cref="Kick"/> starts a run unless one is active, in which case the
/// active run goes round once more when it ends, so every kick is covered by a run that started after it and
/// kicks never pile up. Runs start without the caller's async-local context (storage call scopes, logging scopes):
/// they are not part of the request that kicked them.
/// </summary>
public sealed class CoalescingRunner(Func<string, Task> work, ILogger logger, string what)
{
    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);

    /// <summary>Schedules a run for <paramref name="key"/>; returns at once.</summary>
    public void Kick(string key)
    {
        var state = _states.GetOrAdd(key, _ => new State());
        lock (state)
        {
            if (state.Running is not null)
            {
                state.Again = true;
                return;
            }
            using (ExecutionContext.SuppressFlow())
            {
                state.Running = Task.Run(() => RunAsync(key, state));
            }
        }
    }

    /// <summary>Waits for the runs covering every kick made for <paramref name="key"/> so far.</summary>
    public async Task FlushAsync(string key, CancellationToken cancellationToken)
    {
        if (_states.TryGetValue(key, out var state))
        {
            Task? running;
            lock (state)
            {
                running = state.Running;
            }
            if (running is not null)
            {
                await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunAsync(string key, State state)
    {
        while (true)
        {
            lock (state)
            {
                state.Again = false;
            }
            try
            {
                await work(key).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The work's own safety nets (wake-up queue, timers) pick it up later; nothing is lost, only delayed.
                logger.LogWarning(e, "{Work} for {Key} failed; a later run retries it", what, key);
            }
            lock (state)
            {
                if (!state.Again)
                {
                    state.Running = null;
                    return;
                }
            }
        }
    }

    private sealed class State
    {
        public Task? Running;
        public bool Again;
    }
}
