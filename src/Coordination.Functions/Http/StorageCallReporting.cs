using System.Globalization;
using Coordination.Storage;

namespace Coordination.Functions.Http;

/// <summary>
/// Diagnostics for tests and the benchmark (<c>Coordination__ReportStorageCalls</c>): every response says how many storage
/// calls its request made (<c>X-Storage-Calls</c>, retries included) and how many of its writes lost a race
/// (<c>X-Storage-Conflicts</c>). Background work the request only kicked (sequencing, fan-out) is not counted.
/// </summary>
public static class StorageCallReporting
{
    /// <summary>Adds the two headers to every response.</summary>
    public static WebApplication UseStorageCallReporting(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            using var scope = StorageCallCounter.BeginScope();
            context.Response.OnStarting(() =>
            {
                context.Response.Headers["X-Storage-Calls"] = scope.Calls.ToString(CultureInfo.InvariantCulture);
                context.Response.Headers["X-Storage-Conflicts"] = scope.Conflicts.ToString(CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });
            await next(context);
        });
        return app;
    }
}
