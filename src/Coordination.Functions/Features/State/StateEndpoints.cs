using Coordination.Core.Identity;
using Coordination.Core.Problems;
using Coordination.Core.State;
using Coordination.Functions.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coordination.Functions.Features.State;

/// <summary>Shared state routes. Keys are percent-encoded in the route; any character, <c>/</c> included (<c>%2F</c>).</summary>
public static class StateEndpoints
{
    /// <summary>Maps the state routes.</summary>
    public static IEndpointRouteBuilder MapStateEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/swarms/{id}/state").WithTags("state");
        group.MapPost("/poll", PollAsync).WithName("PollState").Requires(Access.Member)
            .WithSummary("Returns the keys whose version differs from lastVersions; wait= long-polls for a change.");
        group.MapGet("/{key}", GetAsync).WithName("GetState").Requires(Access.Member).WithSummary("Reads a key's value and version.");
        group.MapPut("/{key}", SetAsync).WithName("SetState").Requires(Access.Writer)
            .ProducesProblems(ProblemCatalog.VersionConflict, ProblemCatalog.QuotaExceeded)
            .WithSummary("Sets a key's JSON value; ifVersion makes it a compare-and-set (0 = only if absent).");
        group.MapDelete("/{key}", DeleteAsync).WithName("DeleteState").Requires(Access.Writer)
            .ProducesProblems(ProblemCatalog.VersionConflict)
            .WithSummary("Deletes a key's value (?ifVersion= for compare-and-delete).");
        group.MapPost("/{key}/increment", IncrementAsync).WithName("IncrementState").Requires(Access.Writer)
            .WithSummary("Atomically adds delta to an integer value.");
        return app;
    }

    private static async Task<Ok<StateEntry>> GetAsync(string id, HttpContext context, StateService state, CancellationToken ct) =>
        TypedResults.Ok(await state.GetAsync(id, KeyOf(context), ct));

    private static async Task<Ok<StateEntry>> SetAsync(string id, SetStateRequest request, HttpContext context, StateService state, CancellationToken ct) =>
        TypedResults.Ok(await state.SetAsync(id, context.Caller(), KeyOf(context), request, ct));

    private static async Task<Ok<StateEntry>> DeleteAsync(string id, long? ifVersion, HttpContext context, StateService state, CancellationToken ct) =>
        TypedResults.Ok(await state.DeleteAsync(id, context.Caller(), KeyOf(context), ifVersion, ct));

    private static async Task<Ok<StateEntry>> IncrementAsync(string id, IncrementStateRequest? request, HttpContext context, StateService state, CancellationToken ct) =>
        TypedResults.Ok(await state.IncrementAsync(id, context.Caller(), KeyOf(context), (request ?? new IncrementStateRequest()).Delta, ct));

    private static async Task<Ok<PollStateResult>> PollAsync(string id, PollStateRequest request, StateService state, CancellationToken ct) =>
        TypedResults.Ok(await state.PollAsync(id, request, ct));

    /// <summary>
    /// The key exactly as the client encoded it: routing leaves <c>%2F</c> encoded but decodes the rest, which
    /// would make a key containing the text <c>%2F</c> indistinguishable from one containing <c>/</c>. So the
    /// segment is taken from the raw request target and decoded once.
    /// </summary>
    internal static string KeyOf(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        var path = raw.Split('?', 2)[0];
        const string marker = "/state/";
        var start = path.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return context.GetRouteValue("key") as string ?? string.Empty;
        }
        var segment = path[(start + marker.Length)..];
        var end = segment.IndexOf('/');
        return Uri.UnescapeDataString(end < 0 ? segment : segment[..end]);
    }
}
