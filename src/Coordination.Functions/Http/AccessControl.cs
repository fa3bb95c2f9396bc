using System.Reflection;
using Coordination.Core.Identity;
using Coordination.Core.Presence;
using Coordination.Core.Problems;
using Coordination.Core.Swarms;

namespace Coordination.Functions.Http;

/// <summary>The access an endpoint requires, declared once where the route is mapped.</summary>
/// <param name="Access">What the caller must present.</param>
/// <param name="EvenWhenArchived">
/// True for the few writes that must still work on an archived swarm (archiving again, deleting);
/// every other write to an archived swarm answers <c>swarm_archived</c>.
/// </param>
public sealed record AccessRequirement(Access Access, bool EvenWhenArchived = false);

/// <summary>A member read route that the owning tenant's key may also call (the caller is then the tenant, above any member).</summary>
public sealed record OwningTenantKeyAccepted;

/// <summary>
/// A GET stream route that also accepts a stream token (<c>cs_…</c>) as <c>?access_token=</c>, for clients that cannot
/// send headers (a browser's EventSource). The caller is then read-only.
/// </summary>
public sealed record StreamTokenAccepted;

/// <summary>
/// Authentication and authorization for every <c>/api</c> endpoint, in one place: the endpoint declares
/// <see cref="AccessRequirement"/> with <see cref="Requires{TBuilder}"/>; this middleware runs after routing
/// and before body binding, so a caller without rights learns nothing about the body's validity.
/// Identity comes only from the bearer credential: a tenant key (<c>ck_…</c>) or an agent token (<c>ct_…</c>)
/// whose member row still names it (removal revokes). A token for another swarm than the route's
/// answers 404, exactly like a swarm that does not exist; so does a tenant key on a swarm of another tenant.
/// Stream tokens are accepted only in the query string of routes marked <see cref="StreamTokenAccepted"/>
/// (never in the Authorization header, never on another route), and only when no Authorization header is sent.
/// </summary>
public static class AccessControl
{
    private const string CallerItem = "coordination.caller";
    private const string Refused = "Missing or invalid credentials.";

    /// <summary>The query parameter that carries a stream token.</summary>
    public const string StreamTokenParameter = "access_token";

    /// <summary>Declares the access an endpoint requires (<paramref name="evenWhenArchived"/>: see <see cref="AccessRequirement"/>).</summary>
    public static TBuilder Requires<TBuilder>(this TBuilder builder, Access access, bool evenWhenArchived = false) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessRequirement(access, evenWhenArchived));

    /// <summary>Lets the owning tenant's key call this member read route too (see <see cref="OwningTenantKeyAccepted"/>).</summary>
    public static TBuilder AlsoAcceptsOwningTenantKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new OwningTenantKeyAccepted());

    /// <summary>Lets this GET stream route take a stream token as <c>?access_token=</c> (see <see cref="StreamTokenAccepted"/>).</summary>
    public static TBuilder AcceptsStreamToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new StreamTokenAccepted());

    /// <summary>Adds the middleware (after routing).</summary>
    public static WebApplication UseAccessControl(this WebApplication app)
    {
        app.UseRouting();
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<AccessRequirement>() is { } requirement)
            {
                context.Items[CallerItem] = await AuthorizeAsync(context, requirement);
            }
            await next(context);
        });
        return app;
    }

    /// <summary>The caller established for this request (endpoints with <see cref="Access.Anonymous"/> have none).</summary>
    public static Caller Caller(this HttpContext context) =>
        context.Items[CallerItem] as Caller ?? throw new InvalidOperationException("The endpoint did not declare an access requirement that yields a caller.");

    /// <summary>
    /// Fails when an <c>/api</c> endpoint has no declared access, or lets a tenant key or stream token into anything but a
    /// member read (checked at start-up and by the manifest).
    /// </summary>
    public static void EnsureDeclared(IEnumerable<Platform.ApiOperation> operations)
    {
        var list = operations.ToList();
        var undeclared = list.Where(o => o.Endpoint.Metadata.GetMetadata<AccessRequirement>() is null).Select(o => o.FunctionName).ToList();
        if (undeclared.Count > 0)
        {
            throw new InvalidOperationException($"Endpoints without .Requires(Access…): {string.Join(", ", undeclared)}.");
        }
        var widened = list.Where(o => (o.Endpoint.Metadata.GetMetadata<OwningTenantKeyAccepted>() is not null || o.Endpoint.Metadata.GetMetadata<StreamTokenAccepted>() is not null)
                                      && (o.Endpoint.Metadata.GetMetadata<AccessRequirement>()!.Access != Access.Member || o.Methods is not [var method] || !HttpMethods.IsGet(method)))
            .Select(o => o.FunctionName).ToList();
        if (widened.Count > 0)
        {
            throw new InvalidOperationException($"Only GET routes with Access.Member may also accept a tenant key or a stream token: {string.Join(", ", widened)}.");
        }
    }

    private static async Task<Caller?> AuthorizeAsync(HttpContext context, AccessRequirement requirement)
    {
        var access = requirement.Access;
        if (access == Access.Anonymous)
        {
            return null;
        }
        var credential = BearerOf(context.Request);
        var metadata = context.GetEndpoint()!.Metadata;
        var isTenantKey = credential is not null && credential.StartsWith(TenantDirectory.KeyPrefix, StringComparison.Ordinal);
        if (access == Access.Tenant || (isTenantKey && (access == Access.AnyCredential || metadata.GetMetadata<OwningTenantKeyAccepted>() is not null)))
        {
            return await TenantAsync(context, credential);
        }
        if (credential is null && metadata.GetMetadata<StreamTokenAccepted>() is not null && context.Request.Query[StreamTokenParameter] is [{ Length: > 0 } streamToken])
        {
            return await StreamReaderAsync(context, streamToken);
        }

        var (caller, swarm) = await MemberAsync(context, credential);
        await context.RequestServices.GetRequiredService<PresenceActivity>().NoteAsync(caller.SwarmId!, caller.AgentId!, context.RequestAborted);
        var required = access switch
        {
            Access.Coordinator => Role.Coordinator,
            Access.Writer => Role.Worker,
            _ => Role.Observer,
        };
        if (!caller.HasRole(required))
        {
            throw new ProblemException(ProblemCatalog.ForbiddenRole, $"This operation needs the {required.ToString().ToLowerInvariant()} role; you are {caller.Role!.Value.ToString().ToLowerInvariant()}.",
                new Dictionary<string, object?> { ["requiredRole"] = required.ToString().ToLowerInvariant() });
        }
        if (required > Role.Observer && swarm.IsArchived && !requirement.EvenWhenArchived)
        {
            throw new ProblemException(ProblemCatalog.SwarmArchived, "The swarm is archived: it can be read but not changed.");
        }
        return caller;
    }

    /// <summary>The member an agent token names, still a member with that token, in the swarm of the route.</summary>
    private static async Task<(Caller Caller, SwarmInfo Swarm)> MemberAsync(HttpContext context, string? credential)
    {
        var services = context.RequestServices;
        var ct = context.RequestAborted;
        var claims = credential is null ? null : services.GetRequiredService<AgentTokens>().Verify(credential);
        if (claims is null)
        {
            throw Unauthorized();
        }
        var directory = services.GetRequiredService<SwarmDirectory>();
        var member = await directory.GetMemberAsync(claims.SwarmId, claims.AgentId, ct);
        if (member is null || member.TokenId != claims.TokenId)
        {
            throw Unauthorized();
        }
        var routeSwarm = context.GetRouteValue("id") as string;
        var swarm = await directory.GetSwarmAsync(claims.SwarmId, ct);
        if (swarm is null || (routeSwarm is not null && routeSwarm != claims.SwarmId))
        {
            throw new ProblemException(ProblemCatalog.NotFound, $"No swarm '{routeSwarm ?? claims.SwarmId}'.");
        }
        return (new Caller(claims.TenantId, claims.SwarmId, claims.AgentId, member.Role), swarm);
    }

    /// <summary>
    /// The tenant a key belongs to; on a route naming a swarm, only when the tenant owns it (else 404, as for a swarm that
    /// does not exist).
    /// </summary>
    private static async Task<Caller> TenantAsync(HttpContext context, string? credential)
    {
        var tenant = credential is null ? null : context.RequestServices.GetRequiredService<TenantDirectory>().Authenticate(credential);
        if (tenant is null)
        {
            throw Unauthorized();
        }
        if (context.GetRouteValue("id") is not string swarmId)
        {
            return new Caller(tenant.Id, null, null, null);
        }
        var swarm = SwarmDirectory.IsSwarmId(swarmId)
            ? await context.RequestServices.GetRequiredService<SwarmDirectory>().GetSwarmAsync(swarmId, context.RequestAborted)
            : null;
        return swarm is not null && swarm.TenantId == tenant.Id
            ? new Caller(tenant.Id, swarmId, null, null)
            : throw new ProblemException(ProblemCatalog.NotFound, $"No swarm '{swarmId}'.");
    }

    /// <summary>
    /// The member a stream token names, while its member row still names the token id it was minted under, in the swarm
    /// of the route; read-only (observer) whatever the member's role. Not counted as the agent's activity: a browser
    /// watching the log says nothing about whether the agent is alive.
    /// </summary>
    private static async Task<Caller> StreamReaderAsync(HttpContext context, string token)
    {
        var services = context.RequestServices;
        var claims = services.GetRequiredService<AgentTokens>().VerifyStream(token) ?? throw Unauthorized();
        var directory = services.GetRequiredService<SwarmDirectory>();
        var member = await directory.GetMemberAsync(claims.SwarmId, claims.AgentId, context.RequestAborted);
        if (member is null || member.TokenId != claims.TokenId)
        {
            throw Unauthorized();
        }
        if (context.GetRouteValue("id") is string routeSwarm && routeSwarm != claims.SwarmId)
        {
            throw new ProblemException(ProblemCatalog.NotFound, $"No swarm '{routeSwarm}'.");
        }
        return new Caller(claims.TenantId, claims.SwarmId, claims.AgentId, Role.Observer);
    }

    /// <summary>The bearer credential of <paramref name="request"/>, if it sends one.</summary>
    internal static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private static ProblemException Unauthorized() => new(ProblemCatalog.Unauthorized, Refused);
}
