using System.CommandLine;

namespace Coordination.Cli.Infrastructure;

/// <summary>The options every verb takes (declared once on the root, recursive).</summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Url = new("--url")
    {
        Description = "The service's root address, e.g. http://127.0.0.1:7071/ (else COORD_URL, else the profile).",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "Agent token (ct_…) or tenant key (ck_…) (else COORD_TOKEN, else the profile).",
        Recursive = true,
    };

    public static readonly Option<string?> Swarm = new("--swarm")
    {
        Description = "Swarm id (else COORD_SWARM, else the profile).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the API's JSON (compact; one document per line for streams) instead of tables.",
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Url, Token, Swarm, Json];
}
