using Coordination.Core.Common;

namespace Coordination.Functions.Http;

/// <summary>
/// Query parameters an earlier version of a route took under another name. Unknown query parameters are otherwise
/// ignored, so a client still sending <c>?after=</c> would silently read the log from the start; naming the new
/// parameter in a 400 makes the rename impossible to miss.
/// </summary>
public static class RenamedQueryParameters
{
    /// <summary>Answers 400 <c>validation_failed</c> when a request uses one of the old names (old → new).</summary>
    public static RouteHandlerBuilder RefusesRenamedQuery(this RouteHandlerBuilder builder, params (string Old, string New)[] renames) =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            foreach (var (old, renamed) in renames)
            {
                if (context.HttpContext.Request.Query.ContainsKey(old))
                {
                    throw Validation.Invalid(old, $"is no longer a parameter of this route; use '{renamed}' instead.");
                }
            }
            return await next(context);
        });
}
