using System.Net;
using System.Text.Json;

namespace Coordination.Client;

/// <summary>
/// The API answered with a problem (<c>application/problem+json</c>). <see cref="Code"/> is the stable machine-readable
/// reason (<c>lease_lost</c>, <c>forbidden_role</c>, <c>not_found</c>, …); branch on it, not on the message.
/// </summary>
public sealed class CoordinationProblemException : Exception
{
    /// <summary>Creates the exception from a problem document's parts.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="code">The problem's stable code.</param>
    /// <param name="title">The problem type's title.</param>
    /// <param name="detail">What went wrong in this request.</param>
    /// <param name="extensions">Every other member of the problem document (e.g. <c>errors</c>, <c>retryAfter</c>).</param>
    public CoordinationProblemException(HttpStatusCode status, string code, string? title, string? detail, IReadOnlyDictionary<string, JsonElement> extensions)
        : base($"{(int)status} {code}: {detail ?? title ?? "the request failed"}")
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
        Extensions = extensions;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The problem's stable code, e.g. <c>lease_lost</c>.</summary>
    public string Code { get; }

    /// <summary>The problem type's short title.</summary>
    public string? Title { get; }

    /// <summary>What went wrong in this request (names the field and the limit for validation problems).</summary>
    public string? Detail { get; }

    /// <summary>Every member of the problem document other than type, title, status, detail, code and instance.</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; }

    /// <summary>True for a problem worth retrying later: throttled (429) or unavailable (503).</summary>
    public bool IsTransient => Status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable;
}
