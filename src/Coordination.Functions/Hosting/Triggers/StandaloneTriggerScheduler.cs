namespace Coordination.Functions.Hosting.Triggers;

/// <summary>
/// Without a Functions host, runs every timer trigger's handler on its schedule, in-process, through the
/// same <see cref="TriggerRunner"/> the invocation routes use. A failed run is logged and the next
/// occurrence still runs (the host behaves the same: timers are not retried).
/// </summary>
public sealed class StandaloneTriggerScheduler(TriggerRegistry registry, TriggerRunner runner, TimeProvider clock, ILogger<StandaloneTriggerScheduler> logger)
    : BackgroundService
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(registry.Triggers.Where(t => t.Kind == TriggerKind.Timer).Select(t => RunTimerAsync(t, stoppingToken)));

    private async Task RunTimerAsync(TriggerDefinition trigger, CancellationToken stoppingToken)
    {
        var schedule = CronSchedule.Parse(trigger.Schedule!);
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
}
