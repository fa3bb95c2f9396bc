using System.Net;
using Coordination.Client;

namespace Coordination.Cli.Infrastructure;

/// <summary>
/// The process exit codes, one per problem class, so a script can branch on the kind of failure without parsing
/// output. The same table is in <c>coordctl --help</c> and docs/cli.md.
/// </summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Conflict = 4;
    public const int Auth = 5;
    public const int Unavailable = 6;

    /// <summary>130, the shell's convention for a command ended by Ctrl-C (SIGINT).</summary>
    public const int Interrupted = 130;

    public const string HelpText =
        "Exit codes: 0 ok; 1 anything else; 2 usage (bad arguments, 400 validation problems); 3 not found (404); " +
        "4 conflict (409/412, a lease or lock held or lost); 5 auth (401/403); 6 throttled or unavailable (429/503, no connection).";

    /// <summary>The class of an API problem: by code where the code says more than the status, else by status.</summary>
    public static int Of(CoordinationProblemException problem) => problem.Code switch
    {
        // 403, but a lease or lock conflict (someone else holds it), not a missing right.
        "not_holder" => Conflict,
        _ => problem.Status switch
        {
            HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity => Usage,
            HttpStatusCode.NotFound => NotFound,
            HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed => Conflict,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => Auth,
            HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => Unavailable,
            _ => Failure,
        },
    };
}
