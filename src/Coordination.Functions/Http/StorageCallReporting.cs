using System.Globalization;
using System.Text.Json;
using Coordination.Storage;

namespace Coordination.Functions.Http;

/// <summary>
/// Diagnostics for tests and the benchmark (<c>Coordination__ReportStorageCalls</c>): every response says how many storage
/// calls its request made (<c>X-Storage-Calls</c>, retries included) and how many of its writes lost a race
/// (<c>X-Storage-Conflicts</c>). Background work the request only kicked (sequencing, fan-out) is not counted there;
/// <c>GET /diagnostics/storage-calls</c> gives the process's totals by kind, background work included.
/// </summary>
public static class StorageCallReporting
{
    /// <summary>The route of the process's call totals by kind (outside <c>/api</c>: not a function, not in the API document).</summary>
    public const string TotalsRoute = "/diagnostics/storage-calls";

    /// <summary>Adds the two headers to every response, and the totals route.</summary>
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
        var counter = app.Services.GetRequiredService<StorageCallCounter>();
        app.MapGet(TotalsRoute, () => Results.Json(counter.CallsByKind().ToDictionary(pair => JsonNamingPolicy.CamelCase.ConvertName(pair.Key.ToString()), pair => pair.Value)));
        return app;
    }
}
