using System.CommandLine;
using Coordination.Cli.Configuration;
using Coordination.Client;

namespace Coordination.Cli.Infrastructure;

/// <summary>
/// One invocation: the parsed command line, the configuration resolved flags first, then environment
/// (<c>COORD_URL</c>, <c>COORD_TOKEN</c>, <c>COORD_SWARM</c>), then the profile, and the output.
/// </summary>
internal sealed class CliContext
{
    public const string UrlVariable = "COORD_URL";
    public const string TokenVariable = "COORD_TOKEN";
    public const string SwarmVariable = "COORD_SWARM";

    private readonly ParseResult _parse;
    private readonly Lazy<Profile?> _profile;

    public CliContext(ParseResult parse)
    {
        _parse = parse;
        Profiles = ProfileStore.FromEnvironment();
        _profile = new Lazy<Profile?>(Profiles.Load);
        Output = new Output(parse.GetValue(GlobalOptions.Json));
    }

    public Output Output { get; }

    public ProfileStore Profiles { get; }

    public Profile? Profile => _profile.Value;

    public LeaseMemory Leases => new(Profiles.LeasesPath);

    public T? Get<T>(Option<T> option) => _parse.GetValue(option);

    public T? Get<T>(Argument<T> argument) => _parse.GetValue(argument);

    public string? Url => Pick(GlobalOptions.Url, UrlVariable, p => p.Url);

    public string? Token => Pick(GlobalOptions.Token, TokenVariable, p => p.Token);

    public string? SwarmId => Pick(GlobalOptions.Swarm, SwarmVariable, p => p.SwarmId);

    /// <summary>The swarm, or a usage error saying where to put one.</summary>
    public string RequireSwarm() =>
        SwarmId ?? throw CliFailure.Usage("no swarm: pass --swarm, set COORD_SWARM, or run 'coordctl swarm join' to save a profile");

    /// <summary>The service's address, or a usage error saying where to put one.</summary>
    public Uri RequireUrl()
    {
        var url = Url ?? throw CliFailure.Usage("no service address: pass --url, set COORD_URL, or run 'coordctl swarm join --url …' to save a profile");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw CliFailure.Usage($"--url must be an http(s) address, got '{url}'");
        }
        return uri;
    }

    /// <summary>The resolved client options (<paramref name="withSwarm"/>: a swarm is required).</summary>
    public CoordinationClientOptions ClientOptions(bool withSwarm = true) => new()
    {
        BaseAddress = RequireUrl(),
        Token = Token,
        SwarmId = withSwarm ? RequireSwarm() : SwarmId,
    };

    /// <summary>A client for a swarm-scoped verb: address, credential and swarm are all required.</summary>
    public CoordinationClient SwarmClient()
    {
        var options = ClientOptions();
        if (options.Token is null)
        {
            throw CliFailure.Usage("no credential: pass --token, set COORD_TOKEN, or run 'coordctl swarm join' to save a profile");
        }
        return new CoordinationClient(options);
    }

    /// <summary>Flag, then environment, then profile; the profile is read only when needed, so flags work past a damaged one.</summary>
    private string? Pick(Option<string?> flag, string variable, Func<Profile, string> fromProfile)
    {
        var value = _parse.GetValue(flag);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }
        return Profile is { } profile ? fromProfile(profile) : null;
    }
}
