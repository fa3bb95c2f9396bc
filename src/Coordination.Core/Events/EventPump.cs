using System.Collections.Concurrent;
using Coordination.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Events;

/// <summary>
/// Gets committed outbox rows sequenced promptly. After a write the writer <see cref="Kick"/>s the swarm:
/// one background run per swarm sequences everything pending (kicks during a run coalesce into one more
/// pass). As a safety net against a crash between commit and sequencing, a wake-up message goes to the
/// queue for the DispatchSwarm trigger — at most one per swarm per <see cref="WakeInterval"/> from this
/// process, because Azurite (and queue cost) degrade with many messages.
/// </summary>
public sealed class EventPump(EventSequencer sequencer, QueueClient wakeQueue, TimeProvider clock, ILogger<EventPump> logger)
{
    /// <summary>Minimum spacing of wake-up messages per swarm from one process.</summary>
    public static readonly TimeSpan WakeInterval = TimeSpan.FromSeconds(30);

    /// <summary>Wake-ups become visible after this delay, when the in-process run has normally finished.</summary>
    public static readonly TimeSpan WakeDelay = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);

    /// <summary>Schedules sequencing of the swarm's outbox; returns at once.</summary>
    public void Kick(string swarmId)
    {
        var state = _states.GetOrAdd(swarmId, _ => new State());
        lock (state)
        {
            if (state.Running is not null)
            {
                state.Again = true;
            }
            else
            {
                // Background work: it must not inherit the request's async-local context (storage call scopes, logging scopes).
                using (ExecutionContext.SuppressFlow())
                {
                    state.Running = Task.Run(() => RunAsync(swarmId, state));
                }
            }
        }
        SendWakeUpIfDue(swarmId, state);
    }

    /// <summary>Waits for sequencing of everything this process kicked for the swarm so far.</summary>
    public async Task FlushAsync(string swarmId, CancellationToken cancellationToken)
    {
        if (_states.TryGetValue(swarmId, out var state))
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

    private async Task RunAsync(string swarmId, State state)
    {
        while (true)
        {
            lock (state)
            {
                state.Again = false;
            }
            try
            {
                await sequencer.SequenceAsync(swarmId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // The wake-up message and the timer pick it up later; nothing is lost, only delayed.
                logger.LogWarning(e, "Sequencing {SwarmId} failed; the dispatch trigger will retry", swarmId);
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

    private void SendWakeUpIfDue(string swarmId, State state)
    {
        var now = clock.GetUtcNow();
        lock (state)
        {
            if (now - state.LastWakeUp < WakeInterval)
            {
                return;
            }
            state.LastWakeUp = now;
        }
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => SendWakeUpAsync(swarmId));
        }
    }

    private async Task SendWakeUpAsync(string swarmId)
    {
        try
        {
            await wakeQueue.SendMessageAsync(WakeUp.Serialize(swarmId), visibilityDelay: WakeDelay, timeToLive: TimeSpan.FromHours(1)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not queue a wake-up for {SwarmId}; the SequenceOutbox timer covers it", swarmId);
        }
    }

    private sealed class State
    {
        public Task? Running;
        public bool Again;
        public DateTimeOffset LastWakeUp = DateTimeOffset.MinValue;
    }
}

/// <summary>The wake-up message: <c>{"swarmId":"swarm_…"}</c>.</summary>
public static class WakeUp
{
    /// <summary>Message text for a swarm.</summary>
    public static string Serialize(string swarmId) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["swarmId"] = swarmId });

    /// <summary>The swarm id in a wake-up message, or null when it is not one.</summary>
    public static string? SwarmIdOf(System.Text.Json.JsonElement message) =>
        message.ValueKind == System.Text.Json.JsonValueKind.Object && message.TryGetProperty("swarmId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String
            ? id.GetString()
            : null;
}
