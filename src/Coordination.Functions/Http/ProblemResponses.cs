using Coordination.Core.Identity;
using Coordination.Core.Problems;

namespace Coordination.Functions.Http;

/// <summary>The problems an endpoint answers beyond those every endpoint of its kind may answer (see <see cref="ProblemResponses.Of"/>).</summary>
/// <param name="Problems">The feature's own problems: not found, conflicts, quotas.</param>
public sealed record ProblemsMetadata(IReadOnlyList<ProblemType> Problems);

/// <summary>Which problems each operation can answer, for the OpenAPI document (which lists them per status with their codes).</summary>
public static class ProblemResponses
{
    /// <summary>Declares the feature problems an endpoint answers; the common ones are derived from its access, body and parameters.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params ProblemType[] problems) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemsMetadata(problems));

    /// <summary>
    /// Every problem the endpoint can answer: the declared ones, plus those that follow from what it is. Any request can
    /// meet a long URL, an invalid path segment, or storage trouble; a credential can be refused; a swarm route can name
    /// a swarm that is not there or archived; a role can be too low; a write can lose to concurrent writers; a body can
    /// be malformed, too large or not JSON.
    /// </summary>
    public static IReadOnlyList<ProblemType> Of(EndpointMetadataCollection metadata, bool hasBody, bool hasParameters, bool swarmRoute)
    {
        var problems = new List<ProblemType> { ProblemCatalog.UriTooLong, ProblemCatalog.InternalError };
        var access = metadata.GetMetadata<AccessRequirement>();
        if (access is { Access: not Access.Anonymous })
        {
            problems.Add(ProblemCatalog.Unauthorized);
        }
        if (access?.Access is Access.Member or Access.Writer or Access.Coordinator && swarmRoute)
        {
            problems.Add(ProblemCatalog.NotFound);
        }
        if (access?.Access is Access.Writer or Access.Coordinator)
        {
            problems.Add(ProblemCatalog.ForbiddenRole);
            if (!access.EvenWhenArchived)
            {
                problems.Add(ProblemCatalog.SwarmArchived);
            }
        }
        if (access is { Access: not Access.Anonymous } && IsWrite(metadata))
        {
            // Every write runs under optimistic concurrency and gives up after its bounded retries (OptimisticRetry).
            problems.Add(ProblemCatalog.Contention);
        }
        if (hasBody)
        {
            problems.AddRange([ProblemCatalog.MalformedJson, ProblemCatalog.ValidationFailed, ProblemCatalog.PayloadTooLarge, ProblemCatalog.UnsupportedMediaType]);
        }
        if (hasParameters || hasBody)
        {
            problems.Add(ProblemCatalog.ValidationFailed);
        }
        if (metadata.GetMetadata<ProblemsMetadata>() is { } declared)
        {
            problems.AddRange(declared.Problems);
        }
        if (hasBody || hasParameters || access is { Access: not Access.Anonymous })
        {
            problems.AddRange([ProblemCatalog.StorageThrottled, ProblemCatalog.StorageUnavailable, ProblemCatalog.StorageRejected]);
        }
        return problems.Distinct().OrderBy(p => p.Status).ThenBy(p => p.Code, StringComparer.Ordinal).ToList();
    }

    private static bool IsWrite(EndpointMetadataCollection metadata) =>
        metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Any(m => m is not ("GET" or "HEAD")) ?? false;
}
