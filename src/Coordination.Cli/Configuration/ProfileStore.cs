using System.Text.Json;
using Coordination.Cli.Infrastructure;
using Coordination.Core.Common;

namespace Coordination.Cli.Configuration;

/// <summary>The profile file: <c>$COORD_PROFILE</c>, else <c>~/.config/coordctl/profile.json</c>.</summary>
internal sealed class ProfileStore(string path)
{
    public const string PathVariable = "COORD_PROFILE";

    public string Path { get; } = path;

    /// <summary>Where remembered leases live: next to the profile, so each profile has its own.</summary>
    public string LeasesPath => System.IO.Path.ChangeExtension(Path, ".leases.json");

    public static ProfileStore FromEnvironment()
    {
        var configured = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new ProfileStore(configured);
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return new ProfileStore(System.IO.Path.Combine(home, ".config", "coordctl", "profile.json"));
    }

    /// <summary>The saved profile, or null when there is none; a file that is not a profile fails loudly.</summary>
    public Profile? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Profile>(File.ReadAllText(Path), WireJson.Options)
                ?? throw CliFailure.Usage($"the profile {Path} is empty; delete it or run 'coordctl swarm join' again");
        }
        catch (JsonException ex)
        {
            throw CliFailure.Usage($"the profile {Path} is not valid ({ex.Message}); delete it or run 'coordctl swarm join' again");
        }
    }

    public void Save(Profile profile) => SecretFile.Write(Path, JsonSerializer.Serialize(profile, PrettyJson));

    /// <summary>Deletes the profile and its remembered leases; true when there was a profile.</summary>
    public bool Delete()
    {
        var existed = File.Exists(Path);
        File.Delete(Path);
        File.Delete(LeasesPath);
        return existed;
    }

    private static readonly JsonSerializerOptions PrettyJson = new(WireJson.Options) { WriteIndented = true };
}
