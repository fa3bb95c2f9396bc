using System.Diagnostics;

namespace Coordination.Functions.Platform.Triggers;

/// <summary>Runs a trigger's handler the same way whichever side drove it, with structured logs.</summary>
public sealed class TriggerRunner(IServiceProvider services, ILogger<TriggerRunner> logger)
{
    /// <summary>Runs <paramref name="definition"/>'s handler once.</summary>
    public async Task<IReadOnlyList<string>> RunAsync(TriggerDefinition definition, TriggerInvocation invocation, CancellationToken cancellationToken)
    {
        var handler = (ITriggerHandler)services.GetRequiredService(definition.HandlerType);
        var started = Stopwatch.GetTimestamp();
        var lines = await handler.RunAsync(invocation, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Trigger {Function} ran in {ElapsedMs} ms: {Summary}",
            definition.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, string.Join("; ", lines));
        return lines;
    }
}
