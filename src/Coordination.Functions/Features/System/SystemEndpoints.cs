using Coordination.Core.Common;
using Coordination.Core.Identity;
using Coordination.Core.Storage;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.System;

/// <summary>System routes: health and the OpenAPI document.</summary>
public static class SystemEndpoints
{
    /// <summary>Maps <c>GET /api/health</c> and <c>GET /api/openapi.json</c>.</summary>
    public static IEndpointRouteBuilder MapSystemEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("system");
        group.MapGet("/health", GetHealthAsync).WithName("GetHealth").Requires(Access.Anonymous)
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable).WithSummary("Reports whether storage is reachable and provisioned (503 with the same report when not).");
        group.MapGet("/openapi.json", GetOpenApi).WithName("GetOpenApiDocument").Requires(Access.Anonymous)
            .Produces<global::System.Text.Json.Nodes.JsonObject>().WithSummary("The OpenAPI 3.1 document of every endpoint.");
        return app;
    }

    private static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealthAsync(CoordinationStorage storage, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var table = CheckAsync(storage.Table.Name, storage.Table.ExistsAsync, timeout.Token);
        var queue = CheckAsync(storage.WakeQueue.Name, storage.WakeQueue.ExistsAsync, timeout.Token);
        await Task.WhenAll(table, queue);
        var healthy = table.Result is { Reachable: true, Exists: true } && queue.Result is { Reachable: true, Exists: true };
        var report = new HealthReport(healthy ? "healthy" : "unhealthy", table.Result, queue.Result, clock.GetUtcNow());
        return healthy ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<StorageCheck> CheckAsync(string name, Func<CancellationToken, Task<bool>> exists, CancellationToken cancellationToken)
    {
        try
        {
            return new StorageCheck(name, Reachable: true, Exists: await exists(cancellationToken));
        }
        catch (Exception e)
        {
            var reason = e is OperationCanceledException ? "timed out after 5 s" : e.Message.Split('\n')[0];
            return new StorageCheck(name, Reachable: false, Exists: false, reason);
        }
    }

    private static IResult GetOpenApi(OpenApiDocumentBuilder builder) => Results.Text(builder.Document, "application/json");
}
