using Coordination.Core.Storage;
using Coordination.Functions.Platform.Triggers;

namespace Coordination.Functions.Features.System;

/// <summary>
/// Timer trigger that makes sure the table and queues exist. Idempotent; heals a deleted table within
/// the hour. In Azure the Bicep template creates them first, so this normally only confirms.
/// </summary>
public sealed class ProvisionStorageTrigger(CoordinationStorage storage) : ITriggerHandler
{
    /// <summary>Function name.</summary>
    public const string Name = "ProvisionStorage";

    /// <summary>Hourly, at minute 7 (away from the top of the hour when other timers fire).</summary>
    public const string Schedule = "0 7 * * * *";

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> RunAsync(TriggerInvocation invocation, CancellationToken cancellationToken) =>
        storage.EnsureCreatedAsync(cancellationToken);
}

/// <summary>
/// Creates the table and queues once at start-up, in the background so listening is never delayed
/// (the Functions host gives the handler 30 s to answer). Retries while storage is still starting.
/// </summary>
public sealed class StartupProvisioner(CoordinationStorage storage, ILogger<StartupProvisioner> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; attempt <= 30 && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var lines = await storage.EnsureCreatedAsync(stoppingToken);
                logger.LogInformation("Storage ready: {Summary}", string.Join("; ", lines));
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Storage not ready (attempt {Attempt}): {Reason}", attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
