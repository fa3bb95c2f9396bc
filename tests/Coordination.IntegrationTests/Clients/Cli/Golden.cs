using System.Text.Json;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary>
/// Golden <c>--json</c> outputs: the document with every value the service chooses (ids, tokens, codes, times, hashes)
/// replaced by <c>"&lt;fieldName&gt;"</c>, compared in full with <c>Goldens/{name}.json</c>, so a field added, lost or
/// renamed, or a value the test controls that changed, fails. Set COORDCTL_UPDATE_GOLDENS=1 to rewrite the files in the
/// source tree from a run (then review the diff).
/// </summary>
public static class Golden
{
    /// <summary>Fields whose values the service chooses.</summary>
    private static readonly HashSet<string> Volatile = new(StringComparer.Ordinal)
    {
        "swarmId", "joinCode", "coordinatorCode", "token", "expiresAt", "createdAt", "updatedAt", "taskId", "leaseId", "leaseExpiresAt",
        "claimId", "acquiredAt", "messageId", "threadId", "parentMessageId", "sentAt", "deliveredAt", "acknowledgedAt", "lastSeen", "joinedAt", "id", "time",
        "source", "hash", "prevhash", "nextCursor", "subject",
    };

    // Unescaped, so the goldens read "<taskId>" rather than "\u003CtaskId\u003E".
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Asserts that <paramref name="json"/>, normalised, equals the golden file <paramref name="name"/>.</summary>
    public static void AssertMatches(string name, string json)
    {
        var actual = Normalise(JsonNode.Parse(json));
        var file = Path.Combine(AppContext.BaseDirectory, "Clients", "Cli", "Goldens", name + ".json");
        if (Environment.GetEnvironmentVariable("COORDCTL_UPDATE_GOLDENS") == "1")
        {
            var source = Path.Combine(TestEnvironment.RepoRoot, "tests", "Coordination.IntegrationTests", "Clients", "Cli", "Goldens", name + ".json");
            File.WriteAllText(source, actual!.ToJsonString(Indented) + "\n");
            return;
        }
        Assert.True(File.Exists(file), $"no golden {name}.json; the normalised output was:\n{actual?.ToJsonString(Indented)}");
        var expected = JsonNode.Parse(File.ReadAllText(file));
        Assert.True(JsonNode.DeepEquals(expected, actual),
            $"{name}: the output does not match its golden.\nexpected:\n{expected?.ToJsonString(Indented)}\nactual:\n{actual?.ToJsonString(Indented)}");
    }

    /// <summary>A copy with volatile values replaced by their field's name in angle brackets (nulls stay null).</summary>
    public static JsonNode? Normalise(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(p => KeyValuePair.Create(p.Key,
            Volatile.Contains(p.Key) && p.Value is not null ? JsonValue.Create($"<{p.Key}>") : Normalise(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Normalise).ToArray()),
        _ => node?.DeepClone(),
    };
}
