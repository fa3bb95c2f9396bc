using Azure.Storage.Queues.Models;
using Coordination.Core.Storage;
using Coordination.Storage.Queues;

namespace Coordination.Functions.Platform.Triggers;

/// <summary>
/// Without a Functions host, drives every trigger in-process through the same <see cref="TriggerRunner"/>
/// the invocation routes use: timers on their NCRONTAB schedules (overridable per function with
/// <c>Coordination:Schedules:{Name}</c>), queue triggers by polling their queue. A failed timer run is
/// logged and the next occurrence still runs; a failed queue message reappears after its visibility
/// timeout and, after <see cref="MaxDequeueCount"/> tries, moves to <c>{queue}-poison</c> — as the host does.
/// </summary>
public sealed class StandaloneTriggerScheduler(
    TriggerRegistry registry, TriggerRunner runner, TimeProvider clock, IConfiguration configuration,
    CoordinationStorage storage, ILogger<StandaloneTriggerScheduler> logger) : BackgroundService
{
    /// <summary>Tries before a message goes to the poison queue (host default).</summary>
    public const int MaxDequeueCount = 5;

    private static readonly TimeSpan MaxQueuePollInterval = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(registry.Triggers.Select(t => t.Kind == TriggerKind.Timer ? RunTimerAsync(t, stoppingToken) : PollQueueAsync(t, stoppingToken)));

    private async Task RunTimerAsync(TriggerDefinition trigger, CancellationToken stoppingToken)
    {
        var schedule = CronSchedule.Parse(configuration[$"Coordination:Schedules:{trigger.Name}"] ?? trigger.Schedule!);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var due = schedule.Next(now);
            try
            {
                await Task.Delay(due - now, clock, stoppingToken).ConfigureAwait(false);
                await runner.RunAsync(trigger, new TriggerInvocation(trigger.Name, null, IsPastDue: false), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Trigger {Function} failed; it runs again at its next occurrence", trigger.Name);
            }
        }
    }

    private async Task PollQueueAsync(TriggerDefinition trigger, CancellationToken stoppingToken)
    {
        var queue = storage.Queue(trigger.QueueName!);
        var idle = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var messages = await queue.ReceiveAsync(16, TimeSpan.FromMinutes(1), stoppingToken).ConfigureAwait(false);
                foreach (var message in messages)
                {
                    await HandleAsync(trigger, queue, message, stoppingToken).ConfigureAwait(false);
                }
                idle = messages.Length > 0 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, MaxQueuePollInterval.Ticks));
                await Task.Delay(messages.Length > 0 ? TimeSpan.Zero : idle, clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Coordination.Storage.StorageRejectedException missing) when (missing.Status == 404)
            {
                // Start-up provisioning has not created the queue yet.
                await Task.Delay(MaxQueuePollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                logger.LogWarning("Polling {Queue} for {Function} failed: {Reason}", trigger.QueueName, trigger.Name, e.Message);
                await Task.Delay(MaxQueuePollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    private async Task HandleAsync(TriggerDefinition trigger, StorageQueue queue, QueueMessage message, CancellationToken stoppingToken)
    {
        if (message.DequeueCount > MaxDequeueCount)
        {
            var poison = storage.Queue(trigger.QueueName + "-poison");
            await poison.CreateIfNotExistsAsync(stoppingToken).ConfigureAwait(false);
            await poison.SendAsync(message.Body.ToString(), cancellationToken: stoppingToken).ConfigureAwait(false);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken).ConfigureAwait(false);
            logger.LogError("Message {MessageId} on {Queue} failed {Count} times; moved to the poison queue", message.MessageId, trigger.QueueName, MaxDequeueCount);
            return;
        }
        try
        {
            var payload = TriggerEndpoints.ParseQueueText(message.Body.ToString());
            await runner.RunAsync(trigger, new TriggerInvocation(trigger.Name, payload, IsPastDue: false), stoppingToken).ConfigureAwait(false);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Trigger {Function} failed on message {MessageId}; it will be retried", trigger.Name, message.MessageId);
        }
    }
}
